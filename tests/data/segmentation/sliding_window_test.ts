import assert from "node:assert/strict";
import {
  argmaxLogits,
  slideInference,
  slidingWindows,
  type Window,
} from "../../../lib/data/segmentation/mod.ts";

Deno.test("slidingWindows covers the image as mmseg does (crop 512, stride 341)", () => {
  const w = slidingWindows(1024, 2048, [512, 512], [341, 341]);
  // rows: ceil((1024 − 512) / 341) + 1 = 3 → 0, 341, then 682 pushed back to 512
  // columns: (2048 − 512 + 340) // 341 + 1 = 6 → 0, 341, 682, 1023, 1364, then 1536
  assert.equal(w.length, 18);
  assert.deepEqual([...new Set(w.map((v) => v.y1))], [0, 341, 512]);
  assert.deepEqual([...new Set(w.map((v) => v.x1))], [0, 341, 682, 1023, 1364, 1536]);
  for (const v of w) assert.deepEqual([v.y2 - v.y1, v.x2 - v.x1], [512, 512]);
  assert.deepEqual(slidingWindows(512, 512, [512, 512], [341, 341]), [
    { y1: 0, y2: 512, x1: 0, x2: 512 },
  ]);
  // smaller than the crop: one window cut to the image
  assert.deepEqual(slidingWindows(300, 400, [512, 512], [341, 341]), [
    { y1: 0, y2: 300, x1: 0, x2: 400 },
  ]);
  assert.throws(() => slidingWindows(10, 10, [0, 4], [1, 1]), RangeError);
});

Deno.test("slideInference with a position-only model returns the model's map exactly", async () => {
  const height = 7, width = 9, k = 2;
  const seen: Window[] = [];
  const out = await slideInference(
    { height, width, numClasses: k, crop: [4, 4], stride: [3, 3] },
    (w) => {
      seen.push(w);
      const ww = w.x2 - w.x1;
      const logits = new Float32Array((w.y2 - w.y1) * ww * k);
      for (let y = w.y1; y < w.y2; y++) {
        for (let x = w.x1; x < w.x2; x++) {
          const o = ((y - w.y1) * ww + (x - w.x1)) * k;
          logits[o] = y;
          logits[o + 1] = x * 0.5;
        }
      }
      return logits;
    },
  );
  // rows (7 − 4 + 2) // 3 + 1 = 2, columns (9 − 4 + 2) // 3 + 1 = 3
  assert.equal(seen.length, 2 * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      assert.equal(out[(y * width + x) * k], y);
      assert.equal(out[(y * width + x) * k + 1], x * 0.5);
    }
  }
});

Deno.test("slideInference divides overlapping sums by the number of covering windows", async () => {
  // 1×5, crop 3, stride 2: windows [0,3) and [2,5); pixel 2 is covered twice.
  const out = await slideInference(
    { height: 1, width: 5, numClasses: 1, crop: [1, 3], stride: [1, 2] },
    (w) => Promise.resolve(new Float32Array(3).fill(w.x1 === 0 ? 10 : 20)),
  );
  assert.deepEqual([...out], [10, 10, 15, 20, 20]);
  await assert.rejects(
    () =>
      slideInference(
        { height: 1, width: 5, numClasses: 2, crop: [1, 3], stride: [1, 2] },
        () => new Float32Array(3),
      ),
    /gave 3 logits, want 6/,
  );
});

Deno.test("argmaxLogits picks the first maximum per pixel", () => {
  const l = Float32Array.from([0, 2, 1, 5, 5, -1, -3, -2, -9]);
  assert.deepEqual([...argmaxLogits(l, 3)], [1, 0, 1]);
});
