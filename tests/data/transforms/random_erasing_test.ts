import assert from "node:assert/strict";
import { randomErasing } from "../../../lib/data/transforms/random_erasing.ts";
import { scriptedRng } from "./_scripted_rng.ts";

const DIMS = { h: 10, w: 10, c: 2 };

Deno.test("no erasing when the probability draw is above prob", () => {
  const x = new Float32Array(200).fill(1);
  assert.deepEqual(randomErasing(x, 0, DIMS, { prob: 0.25, maxCount: 1 }, scriptedRng([0.3])), []);
  assert.ok(x.every((v) => v === 1));
});

Deno.test("one box: area share U(0.02, 1/3), log aspect, per-pixel normal noise", () => {
  // area (0.02 + (1/3 - 0.02) / 2) * 100 = 17.67, aspect 1: 4x4; top floor(0.5 * 7) = 3, left 0
  const x = new Float32Array(8 + 200).fill(1);
  const normals = Array.from({ length: 32 }, (_, i) => 100 + i);
  const rng = scriptedRng([0.1, 0.5, 0.5, 0.5, 0], normals);
  const boxes = randomErasing(x, 8, DIMS, { prob: 0.25, maxCount: 1 }, rng);
  assert.deepEqual(boxes, [{ top: 3, left: 0, height: 4, width: 4 }]);
  assert.equal(rng.left(), 0, "one normal per pixel and channel");
  for (let y = 0; y < 10; y++) {
    for (let xx = 0; xx < 10; xx++) {
      const inside = y >= 3 && y < 7 && xx < 4;
      for (let c = 0; c < 2; c++) {
        const v = x[8 + (y * 10 + xx) * 2 + c]!;
        if (inside) assert.equal(v, 100 + ((y - 3) * 4 + xx) * 2 + c);
        else assert.equal(v, 1);
      }
    }
  }
  assert.ok(x.subarray(0, 8).every((v) => v === 1), "nothing before offset");
});

Deno.test("a box as tall as the image is rejected and redrawn", () => {
  // first attempt: area share u = 0.2800 / 0.3133 -> 30 px, aspect u ~ 1 -> 3.333:
  // h = round(sqrt(100)) = 10 = H -> rejected (boxes must be strictly smaller)
  const u = (0.3 - 0.02) / (1 / 3 - 0.02);
  const x = new Float32Array(200);
  const rng = scriptedRng([0, u, 0.999999, 0, 0.5, 0, 0], Array(2).fill(5));
  const boxes = randomErasing(x, 0, DIMS, { prob: 1, maxCount: 1 }, rng);
  // then area 0.02 * 100 = 2, aspect 1: h = w = round(1.41) = 1, top 0, left 0
  assert.deepEqual(boxes, [{ top: 0, left: 0, height: 1, width: 1 }]);
  assert.equal(rng.left(), 0);
});
