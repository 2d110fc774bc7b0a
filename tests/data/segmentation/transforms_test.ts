import assert from "node:assert/strict";
import {
  convertBytes,
  cropAccepted,
  IMAGENET_PIXEL_NORM,
  normalizeImage,
  padSample,
  PHOTOMETRIC_DEFAULTS,
  photoMetricDistortion,
  randomCrop,
  randomFlip,
  randomRescale,
  type SegPair,
} from "../../../lib/data/segmentation/mod.ts";
import { ScriptRng } from "./_helpers.ts";

/** A w×h pair whose image byte at (y, x) is 10·y + x (1 channel) and label is given. */
function pair(w: number, h: number, label: number[]): SegPair {
  const data = Uint8Array.from({ length: w * h }, (_, i) => 10 * Math.floor(i / w) + (i % w));
  return {
    image: { width: w, height: h, channels: 1, data },
    label: { width: w, height: h, data: Uint8Array.from(label) },
  };
}

function rgb(...v: number[]) {
  return { width: v.length / 3, height: 1, channels: 3, data: Uint8Array.from(v) };
}

Deno.test("convertBytes computes uint8(clip(float32(v)·alpha + beta, 0, 255)), truncating", () => {
  const v = Uint8Array.from([0, 1, 100, 200, 250]);
  assert.deepEqual([...convertBytes(v, 1, 16.9)], [16, 17, 116, 216, 255]);
  assert.deepEqual([...convertBytes(v, 0.75, 0)], [0, 0, 75, 150, 187]);
  assert.deepEqual([...convertBytes(v, 1, -20)], [0, 0, 80, 180, 230]);
});

Deno.test("randomRescale draws the ratio and rescales image (bilinear) and label (nearest)", () => {
  // ratio = 0.5 + 1.5·0.5 = 1.25 → scale (10, 5) → factor min(10/8, 5/4) = 1.25 → 10×5
  const p = pair(8, 4, Array.from({ length: 32 }, (_, i) => i % 8));
  const rng = new ScriptRng([0.5]);
  const out = randomRescale(p, [8, 4], [0.5, 2], rng);
  assert.deepEqual([out.image.width, out.image.height, out.label.width, out.label.height], [
    10,
    5,
    10,
    5,
  ]);
  // nearest: column d takes floor(d · 0.8)
  assert.deepEqual([...out.label.data.subarray(0, 10)], [0, 0, 1, 2, 3, 4, 4, 5, 6, 7]);
  assert.equal(rng.left, 0);
});

Deno.test("randomCrop accepts the first box with >1 class and a top class under cat_max_ratio", () => {
  const p = pair(4, 4, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
  // Box 1 at (0, 0) holds only class 1 → rejected; box 2 at (0, 1) is half 1, half 2 → kept.
  const rng = new ScriptRng([0, 0, 0, 0.5]);
  const out = randomCrop(p, { height: 2, width: 2, catMaxRatio: 0.75 }, rng);
  assert.equal(rng.left, 0);
  assert.deepEqual([...out.label.data], [1, 2, 1, 2]);
  assert.deepEqual([...out.image.data], [1, 2, 11, 12]);
});

Deno.test("randomCrop uses the 11th box after 10 rejections; cat_max_ratio 1 draws once", () => {
  const p = pair(4, 4, new Array(16).fill(5));
  const script = [];
  for (let t = 0; t < 10; t++) script.push(0, 0);
  script.push(0.99, 0.4); // 11th box: y1 = floor(2.97) = 2, x1 = floor(1.2) = 1
  const rng = new ScriptRng(script);
  const out = randomCrop(p, { height: 2, width: 2, catMaxRatio: 0.75 }, rng);
  assert.equal(rng.left, 0);
  assert.deepEqual([...out.image.data], [21, 22, 31, 32]);
  const once = new ScriptRng([0.99, 0.4]);
  randomCrop(p, { height: 2, width: 2, catMaxRatio: 1 }, once);
  assert.equal(once.left, 0);
});

Deno.test("cropAccepted ignores the ignore index; randomCrop keeps images smaller than the crop", () => {
  const lab = (v: number[]) => ({ width: v.length, height: 1, data: Uint8Array.from(v) });
  assert.equal(cropAccepted(lab([1, 1, 255, 255]), 0.75, 255), false, "one class left");
  assert.equal(cropAccepted(lab([1, 2, 255, 255]), 0.75, 255), true);
  assert.equal(cropAccepted(lab([1, 1, 1, 2]), 0.75, 255), false, "0.75 is not < 0.75");
  assert.equal(cropAccepted(lab([255, 255]), 0.75, 255), false);
  const small = pair(3, 2, [1, 2, 1, 2, 1, 2]);
  const out = randomCrop(
    small,
    { height: 4, width: 4, catMaxRatio: 0.75 },
    new ScriptRng([0.7, 0.7]),
  );
  assert.deepEqual([out.image.width, out.image.height], [3, 2]);
});

Deno.test("randomFlip mirrors image and label when u < prob", () => {
  const p = pair(3, 1, [1, 2, 3]);
  const flipped = randomFlip(p, 0.5, new ScriptRng([0.49]));
  assert.deepEqual([...flipped.image.data], [2, 1, 0]);
  assert.deepEqual([...flipped.label.data], [3, 2, 1]);
  assert.equal(randomFlip(p, 0.5, new ScriptRng([0.5])), p);
  const c = randomFlip({ image: rgb(1, 2, 3, 4, 5, 6), label: p.label }, 1, new ScriptRng([0]));
  assert.deepEqual([...c.image.data], [4, 5, 6, 1, 2, 3], "channels move together");
});

Deno.test("photoMetricDistortion: brightness first; contrast before the HSV steps when mode is 1, after when 0", () => {
  // coin 1, beta = −32 + 64·0.75 = 16; mode 1; contrast coin 1, alpha = 0.5 + 0.25 = 0.75;
  // saturation coin 0; hue coin 0. (250,100,0) → (255,116,16) → (191,87,12).
  const rng = new ScriptRng([0.6, 0.75, 0.7, 0.9, 0.25, 0.1, 0.2]);
  assert.deepEqual([...photoMetricDistortion(rgb(250, 100, 0), rng).data], [191, 87, 12]);
  assert.equal(rng.left, 0);
  // The mode decides whether contrast comes before or after the HSV steps; with clipping the
  // order shows: contrast 1.5 then hue +4 on (200,100,0) → (255,150,0) → H 18+4 → (255,187,0);
  // hue first → H 15+4 → (200,127,0), then contrast → (255,190,0).
  const o = { ...PHOTOMETRIC_DEFAULTS, contrastRange: [1.5, 1.5] as [number, number] };
  const first = new ScriptRng([0.1, 0.7, 0.9, 0.3, 0.1, 0.8, 0.62]);
  assert.deepEqual([...photoMetricDistortion(rgb(200, 100, 0), first, o).data], [255, 187, 0]);
  assert.equal(first.left, 0);
  const last = new ScriptRng([0.1, 0.2, 0.1, 0.8, 0.62, 0.9, 0.3]);
  assert.deepEqual([...photoMetricDistortion(rgb(200, 100, 0), last, o).data], [255, 190, 0]);
  assert.equal(last.left, 0);
});

Deno.test("photoMetricDistortion: saturation scales HSV S; hue shifts H by an integer in [−18, 18)", () => {
  // saturation alpha 0.5: (100,50,20) → HSV (11,204,100) → S 102 → (100,75,60)
  const sat = new ScriptRng([0.1, 0.2, 0.9, 0, 0.1, 0.1]);
  assert.deepEqual([...photoMetricDistortion(rgb(100, 50, 20), sat).data], [100, 75, 60]);
  assert.equal(sat.left, 0);
  // hue delta −18 + floor(36·0.62) = 4: red → H 4 → (255, 34, 0); 0.39 → −4 → H 176 → (255, 0, 34)
  const up = new ScriptRng([0.1, 0.2, 0.3, 0.8, 0.62, 0.1]);
  assert.deepEqual([...photoMetricDistortion(rgb(255, 0, 0), up).data], [255, 34, 0]);
  const down = new ScriptRng([0.1, 0.2, 0.3, 0.8, 0.39, 0.1]);
  assert.deepEqual([...photoMetricDistortion(rgb(255, 0, 0), down).data], [255, 0, 34]);
  // the largest draw gives +17, not +18 (numpy's randint excludes the upper bound): H 17
  const top = new ScriptRng([0.1, 0.2, 0.3, 0.8, 0.999, 0.1]);
  const h17 = photoMetricDistortion(rgb(255, 0, 0), top).data;
  assert.deepEqual([...h17], [255, 145, 0]); // g = 255 · 17/30 = 144.5 → 145 (float32 above the tie)
});

Deno.test("normalizeImage uses 0-255 mean/std per channel; padSample pads bottom/right", () => {
  const n = normalizeImage(rgb(124, 0, 255), IMAGENET_PIXEL_NORM);
  assert.ok(Math.abs(n[0]! - (124 - 123.675) / 58.395) < 1e-6);
  assert.ok(Math.abs(n[1]! - (0 - 116.28) / 57.12) < 1e-6);
  assert.ok(Math.abs(n[2]! - (255 - 103.53) / 57.375) < 1e-6);
  const img = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2×3, 1 channel
  const lab = { width: 3, height: 2, data: Uint8Array.from([0, 1, 2, 3, 4, 5]) };
  const out = padSample(img, lab, 1, 3, 4);
  assert.deepEqual([out.label.width, out.label.height], [4, 3]);
  assert.deepEqual([...out.image], [1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
  assert.deepEqual([...out.label.data], [0, 1, 2, 255, 3, 4, 5, 255, 255, 255, 255, 255]);
  assert.equal(padSample(img, lab, 1, 2, 3).image, img, "no padding needed");
});
