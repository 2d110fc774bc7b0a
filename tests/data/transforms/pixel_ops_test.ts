import assert from "node:assert/strict";
import type { RgbImage } from "../../../lib/data/image_decode.ts";
import {
  autoContrast,
  blend,
  brightness,
  color,
  contrast,
  equalize,
  hflip,
  invert,
  luma,
  posterize,
  sharpness,
  smooth,
  solarize,
  solarizeAdd,
} from "../../../lib/data/transforms/pixel_ops.ts";

/** A 1-pixel-high image whose pixels are gray values `v` (R = G = B). */
function grayRow(values: number[]): RgbImage {
  const data = new Uint8Array(values.length * 3);
  values.forEach((v, i) => data.fill(v, i * 3, i * 3 + 3));
  return { width: values.length, height: 1, data };
}

function reds(img: RgbImage): number[] {
  return Array.from({ length: img.width * img.height }, (_, i) => img.data[i * 3]!);
}

Deno.test("invert maps v to 255 - v", () => {
  assert.deepEqual(reds(invert(grayRow([0, 10, 255]))), [255, 245, 0]);
});

Deno.test("posterize keeps the top bits (2 bits: multiples of 64)", () => {
  assert.deepEqual(reds(posterize(grayRow([63, 64, 200, 255]), 2)), [0, 64, 192, 192]);
  assert.deepEqual(reds(posterize(grayRow([63, 200]), 8)), [63, 200]);
  assert.deepEqual(reds(posterize(grayRow([63, 255]), 0)), [0, 0]);
});

Deno.test("solarize inverts values at or above the threshold", () => {
  assert.deepEqual(reds(solarize(grayRow([127, 128, 200]), 128)), [127, 127, 55]);
  assert.deepEqual(reds(solarize(grayRow([0, 255]), 256)), [0, 255], "256 = unchanged");
});

Deno.test("solarizeAdd adds below 128 only, capped at 255", () => {
  assert.deepEqual(reds(solarizeAdd(grayRow([100, 127, 128, 250]), 50)), [150, 177, 128, 250]);
  assert.deepEqual(reds(solarizeAdd(grayRow([100]), 200)), [255]);
});

Deno.test("autoContrast stretches each channel's [min, max] to [0, 255]", () => {
  const img: RgbImage = {
    width: 3,
    height: 1,
    data: Uint8Array.from([50, 7, 0, 100, 7, 10, 150, 7, 20]),
  };
  const out = autoContrast(img).data;
  // red: scale 2.55, offset -127.5 -> 0, trunc(127.5) = 127, 255; green has one value: unchanged
  assert.deepEqual([out[0], out[3], out[6]], [0, 127, 255]);
  assert.deepEqual([out[1], out[4], out[7]], [7, 7, 7]);
  // blue: scale 12.75 -> 0, 127, 255
  assert.deepEqual([out[2], out[5], out[8]], [0, 127, 255]);
});

Deno.test("equalize follows Pillow's cumulative-histogram table", () => {
  // 255 pixels each of 5, 6, 7: step = (765 - 255) // 255 = 2, n starts at 1:
  // 5 -> 1 // 2 = 0, 6 -> 256 // 2 = 128, 7 -> 511 // 2 = 255
  const vals = [...Array(255).fill(5), ...Array(255).fill(6), ...Array(255).fill(7)];
  const out = reds(equalize(grayRow(vals)));
  assert.equal(out[0], 0);
  assert.equal(out[255], 128);
  assert.equal(out[510], 255);
  // too few pixels for a step of 1: unchanged
  assert.deepEqual(reds(equalize(grayRow([0, 0, 100, 200]))), [0, 0, 100, 200]);
});

Deno.test("luma is Pillow's RGB->L and blend truncates and clips", () => {
  assert.equal(luma(255, 0, 0), 76);
  assert.equal(luma(0, 255, 0), 150);
  assert.equal(luma(0, 0, 255), 29);
  assert.equal(luma(255, 255, 255), 255);
  assert.deepEqual([...blend(Uint8Array.of(0, 0), Uint8Array.of(201, 200), 0.5)], [100, 100]);
  assert.deepEqual([...blend(Uint8Array.of(0, 0), Uint8Array.of(100, 200), 1.5)], [150, 255]);
  assert.deepEqual([...blend(Uint8Array.of(200), Uint8Array.of(0), 2)], [0]);
});

Deno.test("color 0 is the gray image; brightness scales; contrast 0 is the mean gray", () => {
  const red: RgbImage = { width: 1, height: 1, data: Uint8Array.of(255, 0, 0) };
  assert.deepEqual([...color(red, 0).data], [76, 76, 76]);
  assert.deepEqual([...color(red, 1).data], [255, 0, 0]);
  assert.deepEqual([...brightness(grayRow([100, 200]), 0.5).data], [50, 50, 50, 100, 100, 100]);
  const bw = grayRow([0, 255]); // mean luma 127.5 -> int(128.0) = 128
  assert.deepEqual(reds(contrast(bw, 0)), [128, 128]);
  assert.deepEqual(reds(contrast(bw, 1)), [0, 255]);
});

Deno.test("smooth/sharpness: 3x3 kernel with centre weight 5 / 13, border copied", () => {
  const data = new Uint8Array(27);
  data.fill(130, 12, 15); // centre pixel of a 3x3 image
  const img: RgbImage = { width: 3, height: 3, data };
  const s = smooth(img).data;
  assert.equal(s[12], 50, "5 * 130 / 13");
  assert.equal(s[0], 0);
  assert.equal(sharpness(img, 2).data[12], 210, "50 + 2 * (130 - 50)");
  assert.equal(sharpness(img, 1).data[12], 130);
});

Deno.test("hflip mirrors rows", () => {
  assert.deepEqual(reds(hflip(grayRow([1, 2, 3]))), [3, 2, 1]);
});
