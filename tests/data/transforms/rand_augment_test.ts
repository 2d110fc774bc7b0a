import assert from "node:assert/strict";
import { ConfigError } from "../../../lib/util/errors.ts";
import type { RgbImage } from "../../../lib/data/image_decode.ts";
import {
  drawOp,
  fillFromMean,
  levelToArg,
  RAND_INCREASING_OPS,
  randAugment,
} from "../../../lib/data/transforms/rand_augment.ts";
import { parseRandAugment } from "../../../lib/data/transforms/rand_augment_spec.ts";
import { scriptedRng } from "./_scripted_rng.ts";

Deno.test("parseRandAugment reads timm's sections", () => {
  assert.deepEqual(parseRandAugment("rand-m9-mstd0.5-inc1"), {
    magnitude: 9,
    magnitudeStd: 0.5,
    magnitudeMax: 10,
    numLayers: 2,
    increasing: true,
    prob: 0.5,
  });
  const s = parseRandAugment("rand-n3-m5-mmax12-p0.7");
  assert.deepEqual([s.numLayers, s.magnitude, s.magnitudeMax, s.prob, s.increasing], [
    3,
    5,
    12,
    0.7,
    false,
  ]);
  for (const bad of ["auto-m9", "rand-m", "rand-x5", "rand-m9.5", "rand-mstd200", "rand-p2"]) {
    assert.throws(() => parseRandAugment(bad), ConfigError, bad);
  }
});

Deno.test("the inc1 op set is timm's 15 increasing ops", () => {
  assert.equal(RAND_INCREASING_OPS.length, 15);
  assert.ok(RAND_INCREASING_OPS.includes("Invert"));
  assert.ok(RAND_INCREASING_OPS.includes("PosterizeIncreasing"));
  assert.ok(!RAND_INCREASING_OPS.includes("Posterize"));
});

Deno.test("levelToArg at magnitude 9 (level 0.9)", () => {
  const keep = () => scriptedRng([0.4]); // 0.4 <= 0.5: sign kept
  const flip = () => scriptedRng([0.6]); // > 0.5: negated
  assert.equal(levelToArg("Rotate", 9, keep()), 27);
  assert.equal(levelToArg("Rotate", 9, flip()), -27);
  assert.equal(levelToArg("PosterizeIncreasing", 9, keep()), 1, "4 - int(3.6)");
  assert.equal(levelToArg("SolarizeIncreasing", 9, keep()), 26, "256 - int(230.4)");
  assert.equal(levelToArg("SolarizeAdd", 9, keep()), 99);
  assert.ok(Math.abs(levelToArg("ColorIncreasing", 9, keep())! - 1.81) < 1e-12);
  assert.ok(Math.abs(levelToArg("ContrastIncreasing", 9, flip())! - 0.19) < 1e-12);
  assert.equal(levelToArg("BrightnessIncreasing", 10, flip()), 0.1, "kept >= 0.1");
  assert.ok(Math.abs(levelToArg("ShearX", 9, flip())! + 0.27) < 1e-12);
  assert.ok(Math.abs(levelToArg("TranslateYRel", 9, keep())! - 0.405) < 1e-12);
  assert.equal(levelToArg("Equalize", 9, scriptedRng([])), null, "no draw");
  assert.equal(levelToArg("Posterize", 9, scriptedRng([])), 3);
});

Deno.test("drawOp: probability gate, gaussian magnitude noise clamped to [0, 10]", () => {
  const spec = parseRandAugment("rand-m9-mstd0.5-inc1");
  assert.deepEqual(drawOp("Rotate", spec, scriptedRng([0.7])), {
    name: "Rotate",
    applied: false,
    arg: null,
  });
  // applied (0.3 <= 0.5), noise +4 std -> 11 -> clamped 10 -> 30 degrees, sign kept
  assert.equal(drawOp("Rotate", spec, scriptedRng([0.3, 0.1], [4])).arg, 30);
  // noise -2 std -> 8 -> 24 degrees, negated
  assert.equal(drawOp("Rotate", spec, scriptedRng([0.3, 0.9], [-2])).arg, -24);
});

Deno.test("randAugment picks ops uniformly with replacement and applies them in order", () => {
  const spec = { ...parseRandAugment("rand-m9-inc1"), prob: 1 };
  // op indices floor(u * 15): 2 = Invert, 6 = SolarizeAdd(99)
  const rng = scriptedRng([2.5 / 15, 6.5 / 15]);
  const img: RgbImage = { width: 2, height: 1, data: Uint8Array.of(0, 0, 0, 200, 200, 200) };
  const out = randAugment(img, spec, { fill: [0, 0, 0], resample: "bicubic" }, rng);
  // invert: 255, 55; then +99 below 128: 255, 154
  assert.deepEqual([...out.data], [255, 255, 255, 154, 154, 154]);
  assert.equal(rng.left(), 0);
});

Deno.test("fillFromMean gives timm's ImageNet img_mean (124, 116, 104)", () => {
  assert.deepEqual(fillFromMean([0.485, 0.456, 0.406]), [124, 116, 104]);
});
