import assert from "node:assert/strict";
import {
  DENSITY_STRATEGIES,
  densityStrategy,
  erkDensities,
  maskableNames,
  pickShapes,
  snipDensities,
  uniformDensities,
} from "../../lib/sparse/mod.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { numel } from "../../lib/util/shape.ts";

const SLAK_LIKE = new Map<string, number[]>([
  ["downsample_layers.0.0.weight", [4, 4, 3, 8]],
  ["downsample_layers.0.0.bias", [8]],
  ["downsample_layers.0.1.weight", [8]],
  ["stages.0.0.large_kernel.LoRA1.conv.weight", [13, 5, 8, 1]],
  ["stages.0.0.large_kernel.LoRA1.bn.weight", [8]],
  ["stages.0.0.large_kernel.LoRA2.conv.weight", [5, 13, 8, 1]],
  ["stages.0.0.large_kernel.small_conv.conv.weight", [5, 5, 8, 1]],
  ["stages.0.0.pwconv1.weight", [8, 32]],
  ["stages.0.0.pwconv1.bias", [32]],
  ["stages.0.0.gamma", [8]],
  ["stages.1.0.large_kernel.lkb_origin.conv.weight", [13, 13, 8, 1]],
  ["head.weight", [8, 10]],
]);

Deno.test("maskableNames() keeps 2-D and 4-D weights, onlyLargeKernel keeps LoRA and lkb_origin", () => {
  assert.deepEqual(maskableNames(SLAK_LIKE), [
    "downsample_layers.0.0.weight",
    "stages.0.0.large_kernel.LoRA1.conv.weight",
    "stages.0.0.large_kernel.LoRA2.conv.weight",
    "stages.0.0.large_kernel.small_conv.conv.weight",
    "stages.0.0.pwconv1.weight",
    "stages.1.0.large_kernel.lkb_origin.conv.weight",
    "head.weight",
  ]);
  assert.deepEqual(maskableNames(SLAK_LIKE, { onlyLargeKernel: true }), [
    "stages.0.0.large_kernel.LoRA1.conv.weight",
    "stages.0.0.large_kernel.LoRA2.conv.weight",
    "stages.1.0.large_kernel.lkb_origin.conv.weight",
  ]);
});

Deno.test("uniformDensities() gives every layer the target density", () => {
  const shapes = pickShapes(SLAK_LIKE, maskableNames(SLAK_LIKE));
  const d = uniformDensities(shapes, 0.6);
  assert.deepEqual([...d.keys()], [...shapes.keys()]);
  for (const v of d.values()) assert.equal(v, 0.6);
});

Deno.test("erkDensities() without a dense layer: proportional to Σdims/Πdims, total on target", () => {
  const shapes = new Map([["a", [3, 3, 16, 32]], ["b", [32, 64]]]);
  const d = erkDensities(shapes, 0.3);
  // hand: raw_a = (3+3+16+32)/4608, raw_b = 96/2048; eps = 0.3·(4608+2048) / (54 + 96)
  const eps = 0.3 * (4608 + 2048) / (54 + 96);
  assert.ok(Math.abs(d.get("a")! - eps * 54 / 4608) < 1e-12);
  assert.ok(Math.abs(d.get("b")! - eps * 96 / 2048) < 1e-12);
  const total = d.get("a")! * 4608 + d.get("b")! * 2048;
  assert.ok(Math.abs(total - 0.3 * 6656) < 1e-9);
});

Deno.test("erkDensities() makes the over-full layers dense and re-solves epsilon", () => {
  // raw scores: a 18/288 = 0.0625, b 18/80 = 0.225, c 4/4 = 1.
  // pass 1: eps = 0.5·372/40 = 4.65, c would get 4.65 > 1 -> dense;
  // pass 2: eps = (144 + 40 - 2)/36 = 5.06, b would get 1.14 > 1 -> dense;
  // pass 3: eps = (144 - 40 - 2)/18; a gets everything that is left of the budget.
  const shapes = new Map([["a", [3, 3, 4, 8]], ["b", [8, 10]], ["c", [2, 2]]]);
  const d = erkDensities(shapes, 0.5);
  assert.equal(d.get("c"), 1);
  assert.equal(d.get("b"), 1);
  const budget = 0.5 * (288 + 80 + 4);
  assert.ok(Math.abs(d.get("a")! - (budget - 80 - 4) / 288) < 1e-12);
  assert.ok(Math.abs(d.get("a")! - 0.0625 * (102 / 18)) < 1e-12);
});

Deno.test("erkDensities() makes all layers tied at the largest score dense together", () => {
  const shapes = new Map([["x", [2, 2]], ["y", [2, 2]], ["z", [16, 16, 4, 4]]]);
  const d = erkDensities(shapes, 0.9);
  assert.equal(d.get("x"), 1);
  assert.equal(d.get("y"), 1);
  const budget = 0.9 * (4 + 4 + 4096);
  assert.ok(Math.abs(d.get("z")! - (budget - 8) / 4096) < 1e-12);
});

Deno.test("snipDensities() keeps the scores strictly above the k-th largest (official)", () => {
  const scores = new Map([
    ["a", new Float32Array([5, 4, 3, 2])],
    ["b", new Float32Array([1, -0.5])], // the sign does not matter: |score|
    ["c", new Float32Array([6, 0, 0, 0, 0, 0])],
  ]);
  // 12 scores, density 0.5 -> k = 6; sorted: 6 5 4 3 2 1 | ... -> threshold 1 (kept: > 1)
  const d = snipDensities(scores, 0.5);
  assert.equal(d.get("a"), 1);
  assert.equal(d.get("b"), 0);
  assert.equal(d.get("c"), 1 / 6);
  // k = floor(12·0.75) = 9 -> threshold 0 (the zeros of c) -> b 1, c 1/6
  const d2 = snipDensities(scores, 0.75);
  assert.equal(d2.get("b"), 1);
  assert.equal(d2.get("c"), 1 / 6);
});

Deno.test("snipDensities() on distinct scores hits the global count minus the threshold element", () => {
  const n = [40, 100, 7];
  let v = 1;
  const scores = new Map(n.map((len, li) => {
    const a = new Float32Array(len);
    for (let i = 0; i < len; i++) a[i] = ((v++ * 7919) % 997) + li * 0.001;
    return [`l${li}`, a] as [string, Float32Array];
  }));
  const total = 147;
  const d = snipDensities(scores, 0.6);
  let kept = 0;
  for (const [name, a] of scores) kept += d.get(name)! * a.length;
  assert.equal(Math.round(kept), Math.floor(0.6 * total) - 1);
});

Deno.test("DENSITY_STRATEGIES: snip needs scores, unknown names are a ConfigError", () => {
  const shapes = new Map([["a", [2, 2]], ["b", [1, 2]]]);
  assert.throws(() => DENSITY_STRATEGIES.snip({ shapes, density: 0.5 }), /scores/);
  const scores = new Map([["b", new Float32Array([1, 2])], ["a", new Float32Array([4, 3, 0, 0])]]);
  const d = densityStrategy("snip")({ shapes, density: 0.5, scores });
  assert.deepEqual([...d.keys()], ["a", "b"]);
  assert.equal(densityStrategy("erk")({ shapes, density: 1 }).get("a"), 1);
  assert.throws(() => densityStrategy("ERKK"), (e: unknown) => {
    return e instanceof ConfigError && /"uniform", "erk" or "snip"/.test(e.message);
  });
  assert.equal(numel([2, 3, 4]), 24);
});
