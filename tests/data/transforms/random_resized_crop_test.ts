import assert from "node:assert/strict";
import {
  centerFallbackBox,
  crop,
  randomResizedCrop,
  randomResizedCropBox,
  roundHalfEven,
} from "../../../lib/data/transforms/random_resized_crop.ts";
import { Rng } from "../../../lib/util/rng.ts";
import { scriptedRng } from "./_scripted_rng.ts";

const SCALE: [number, number] = [0.08, 1];
const RATIO: [number, number] = [3 / 4, 4 / 3];

Deno.test("roundHalfEven is Python's round", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 2.4, 2.6, 73.48].map(roundHalfEven), [0, 2, 2, 2, 3, 73]);
});

Deno.test("the first fitting attempt: area, log-ratio aspect, uniform placement", () => {
  // 100x100, u = 0.5 everywhere: area 10000 (0.08 + 0.92 / 2) = 5400, aspect exp(0) = 1,
  // side round(73.48) = 73, top = left = floor(0.5 * 28) = 14
  const rng = scriptedRng([0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(randomResizedCropBox(100, 100, SCALE, RATIO, rng), {
    top: 14,
    left: 14,
    height: 73,
    width: 73,
  });
  assert.equal(rng.left(), 0);
});

Deno.test("a box that does not fit is redrawn (two draws per attempt)", () => {
  // 10x100 image: u = (1, 1) gives area 1000 at aspect 4/3: w = round(36.5) = 37 > 10, redraw;
  // then u = (0, 0.5): area 80, aspect 1: 9x9 box, top floor(0.5 * 92) = 46, left 0
  const rng = scriptedRng([0.999999, 0.999999, 0, 0.5, 0.5, 0]);
  assert.deepEqual(randomResizedCropBox(10, 100, SCALE, RATIO, rng), {
    top: 46,
    left: 0,
    height: 9,
    width: 9,
  });
});

Deno.test("after 10 misses: the centred whole image with its ratio clamped", () => {
  // a 10x2 image never fits a box of area 20 with aspect <= 4/3 (height >= 4 > 2)
  const rng = scriptedRng(Array(20).fill(0.5));
  const box = randomResizedCropBox(10, 2, [1, 1], RATIO, rng);
  assert.equal(rng.left(), 0, "exactly 10 attempts of two draws");
  assert.deepEqual(box, { top: 0, left: 3, height: 2, width: 3 }, "w = round(2 * 4/3) = 3");
  assert.deepEqual(centerFallbackBox(2, 10, RATIO), { top: 3, left: 0, height: 3, width: 2 });
  assert.deepEqual(centerFallbackBox(4, 4, RATIO), { top: 0, left: 0, height: 4, width: 4 });
});

Deno.test("crop takes the box's pixels; a full-image crop at the same size is the image", () => {
  const data = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i);
  const img = { width: 4, height: 3, data };
  const c = crop(img, { top: 1, left: 2, height: 2, width: 1 });
  assert.deepEqual([...c.data], [18, 19, 20, 30, 31, 32]);
  const sq = { width: 3, height: 3, data: data.slice(0, 27) };
  const same = randomResizedCrop(
    sq,
    3,
    { scale: [1, 1], ratio: [1, 1] },
    "bicubic",
    new Rng([1, 2, 3, 4]),
  );
  assert.deepEqual(same.data, sq.data);
});

Deno.test("random boxes always lie inside the image with the drawn area range", () => {
  const rng = Rng.stream(3, "rrc-test");
  for (let i = 0; i < 200; i++) {
    const b = randomResizedCropBox(50, 30, SCALE, RATIO, rng);
    assert.ok(b.top >= 0 && b.left >= 0 && b.top + b.height <= 30 && b.left + b.width <= 50);
    assert.ok(b.width > 0 && b.height > 0);
  }
});
