import assert from "node:assert/strict";
import type { RgbImage } from "../../../lib/data/image_decode.ts";
import {
  affine,
  rotate,
  shearX,
  shearY,
  translateXRel,
  translateYRel,
} from "../../../lib/data/transforms/affine.ts";

const FILL: [number, number, number] = [124, 116, 104];

/** A w×h image whose pixel (x, y) is gray 10·(y·w + x) + 1. */
function ramp(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.fill(10 * i + 1, i * 3, i * 3 + 3);
  return { width: w, height: h, data };
}

function px(img: RgbImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

Deno.test("affine identity with bicubic sampling returns the image unchanged", () => {
  const img = ramp(5, 4);
  assert.deepEqual(affine(img, [1, 0, 0, 0, 1, 0], "bicubic", FILL).data, img.data);
});

Deno.test("shearX by 2: output (x, y) reads input column x + 2y + 1 exactly, else the fill", () => {
  const img = ramp(6, 3);
  const out = shearX(img, 2, "bicubic", FILL);
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 6; x++) {
      const sx = x + 2 * y + 1; // (x + 0.5) + 2 (y + 0.5) = sx + 0.5, a pixel centre
      const want = sx < 6 ? px(img, sx, y) : FILL;
      assert.deepEqual(px(out, x, y), want, `(${x}, ${y})`);
    }
  }
});

Deno.test("shearY by -1 with nearest sampling reads row y - x - 1", () => {
  const img = ramp(3, 4);
  const out = shearY(img, -1, "nearest", FILL);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 3; x++) {
      const yin = -(x + 0.5) + (y + 0.5);
      const want = yin >= 0 && yin < 4 ? px(img, x, Math.floor(yin)) : FILL;
      assert.deepEqual(px(out, x, y), want);
    }
  }
  assert.deepEqual(px(out, 0, 0), px(img, 0, 0));
  assert.deepEqual(px(out, 2, 1), FILL);
});

Deno.test("translate by a whole pixel shifts content and fills the uncovered edge", () => {
  const img = ramp(4, 2);
  const tx = translateXRel(img, 0.25, "bicubic", FILL); // +1 px: out[x] = in[x + 1]
  assert.deepEqual(px(tx, 0, 1), px(img, 1, 1));
  assert.deepEqual(px(tx, 2, 0), px(img, 3, 0));
  assert.deepEqual(px(tx, 3, 0), FILL);
  const ty = translateYRel(img, -0.5, "bicubic", FILL); // -1 px: out[y] = in[y - 1]
  assert.deepEqual(px(ty, 2, 1), px(img, 2, 0));
  assert.deepEqual(px(ty, 2, 0), FILL);
});

Deno.test("bicubic half-pixel sample is Pillow's transform cubic (a = -1), truncated", () => {
  // row [40, 0, 100, 0], sampled half way between pixels 1 and 2 (v1..v4 = 40, 0, 100, 0):
  // p2 = 60, p3 = 2 (40 - 0) + 100 - 0 = 180, p4 = -40 + 0 - 100 + 0 = -140,
  // v = 0 + .5 (60 + .5 (180 + .5 (-140))) = 57.5 -> 57 (Keys a = -0.5 would give 53.75)
  const data = new Uint8Array(12);
  data.fill(40, 0, 3);
  data.fill(100, 6, 9);
  const img: RgbImage = { width: 4, height: 1, data };
  const out = affine(img, [1, 0, 0.5, 0, 1, 0], "bicubic", FILL);
  assert.deepEqual(px(out, 1, 0), [57, 57, 57]);
});

Deno.test("rotate by 90 degrees turns a square counter-clockwise", () => {
  // [[a, b], [c, d]] -> [[b, d], [a, c]]
  const img = ramp(2, 2); // a=1, b=11, c=21, d=31
  const out = rotate(img, 90, "bicubic", FILL);
  assert.deepEqual([px(out, 0, 0)[0], px(out, 1, 0)[0], px(out, 0, 1)[0], px(out, 1, 1)[0]], [
    11,
    31,
    1,
    21,
  ]);
  const back = rotate(img, -90, "bicubic", FILL);
  assert.deepEqual([px(back, 0, 0)[0], px(back, 1, 0)[0]], [21, 1]);
});
