import assert from "node:assert/strict";
import { hsvToRgb, rgbToHsv } from "../../../lib/data/segmentation/mod.ts";

const px = (...v: number[]) => Uint8Array.from(v);

Deno.test("rgbToHsv matches OpenCV's 8-bit definition on hand-computed colours", () => {
  const cases: [number[], number[]][] = [
    [[255, 0, 0], [0, 255, 255]],
    [[0, 255, 0], [60, 255, 255]],
    [[0, 0, 255], [120, 255, 255]],
    [[128, 128, 128], [0, 0, 128]],
    [[0, 0, 0], [0, 0, 0]],
    // h = (128 · round(180·4096/1530) + 2048) >> 12 = (128·482 + 2048) >> 12 = 15
    [[255, 128, 0], [15, 255, 255]],
    // diff 80: h = (30·1536 + 2048) >> 12 = 11; s = (80·10445 + 2048) >> 12 = 204
    [[100, 50, 20], [11, 204, 100]],
    // negative hue wraps: (−10·482 + 2048) >> 12 = −1 → 179
    [[255, 0, 10], [179, 255, 255]],
  ];
  for (const [rgb, hsv] of cases) assert.deepEqual([...rgbToHsv(px(...rgb))], hsv, `${rgb}`);
});

Deno.test("hsvToRgb matches OpenCV's sector definition (float32, rounded half to even)", () => {
  const cases: [number[], number[]][] = [
    [[0, 255, 255], [255, 0, 0]],
    [[60, 255, 255], [0, 255, 0]],
    [[120, 255, 255], [0, 0, 255]],
    [[90, 255, 255], [0, 255, 255]],
    [[33, 0, 77], [77, 77, 77]],
    // sector 0, f = 11/30: b = v(1−s) = 20, g = v(1 − s(1 − f)) = 49.33 → 49, r = v = 100
    [[11, 204, 100], [100, 49, 20]],
    // sector 5, f = 0.8667: (255, 0, 34)
    [[176, 255, 255], [255, 0, 34]],
  ];
  for (const [hsv, rgb] of cases) assert.deepEqual([...hsvToRgb(px(...hsv))], rgb, `${hsv}`);
});

Deno.test("rgbToHsv then hsvToRgb stays within the 8-bit hue quantization", () => {
  let worst = 0;
  for (let r = 0; r < 256; r += 15) {
    for (let g = 0; g < 256; g += 15) {
      for (let b = 0; b < 256; b += 15) {
        const back = hsvToRgb(rgbToHsv(px(r, g, b)));
        worst = Math.max(
          worst,
          Math.abs(back[0]! - r),
          Math.abs(back[1]! - g),
          Math.abs(back[2]! - b),
        );
      }
    }
  }
  // One hue step is 2° = 1/30 of a sector, at most 255/30 ≈ 8.5 levels on the middle channel.
  assert.ok(worst > 0 && worst <= 9, `worst round-trip error ${worst}`);
});

Deno.test("hsvToRgb truncates whole 32-pixel blocks of a row and rounds the row's tail", () => {
  // (11, 102, 100): g = 255 · v(1 − s(1 − f)) = 74.67 → 74 truncated, 75 rounded.
  const row = new Uint8Array(33 * 3);
  for (let i = 0; i < 33; i++) row.set([11, 102, 100], i * 3);
  const out = hsvToRgb(row, 33);
  for (let i = 0; i < 33; i++) {
    assert.equal(out[i * 3], 100);
    assert.equal(out[i * 3 + 1], i < 32 ? 74 : 75, `pixel ${i}`);
  }
  // two rows of 33: each row has its own tail
  const two = hsvToRgb(new Uint8Array([...row, ...row]), 33);
  assert.equal(two[(33 + 31) * 3 + 1], 74);
  assert.equal(two[(33 + 32) * 3 + 1], 75);
});
