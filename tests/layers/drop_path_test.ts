// Stochastic depth must really drop: whole samples at the configured rate, kept samples scaled by
// 1 / keep, identity when off, and the per-block rates a linear ramp over all blocks in block
// order (numpy `linspace(0, drop_path_rate, sum(depths))`, as the official ConvNeXt/SLaK code).
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { dropPath } from "../../lib/layers/mod.ts";
import {
  buildModel,
  disposeModel,
  dropPathRates,
  getVar,
  resolveModelConfig,
  runNetwork,
} from "../../lib/models/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

/** numpy.linspace(start, stop, num) with endpoint=True: start + i·(stop − start)/(num − 1). */
function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  return Array.from({ length: num }, (_, i) => start + (i * (stop - start)) / (num - 1));
}

/** Per-sample view of a [N, ...] array: the N slices of `size` values. */
function samples(values: Float32Array, n: number): Float32Array[] {
  const size = values.length / n;
  return Array.from({ length: n }, (_, i) => values.subarray(i * size, (i + 1) * size));
}

Deno.test("dropPath() zeroes whole samples at the configured rate (4-sd binomial bound)", () => {
  const n = 4000;
  for (const rate of [0.1, 0.5, 0.9]) {
    const keep = 1 - rate;
    const x = tf.ones([n, 3, 2, 4]);
    const y = dropPath(x, rate, Rng.stream(7, `dropout-${rate}`));
    const values = y.dataSync() as Float32Array;
    let dropped = 0;
    for (const [i, s] of samples(values, n).entries()) {
      // per sample, not per element: every value of a sample is 0, or every value is 1/keep
      const first = s[0]!;
      assert.ok(s.every((v) => v === first), `rate ${rate}: sample ${i} is partly dropped`);
      if (first === 0) dropped++;
      else assert.ok(Math.abs(first - 1 / keep) <= 1e-6 / keep, `rate ${rate}: kept ${first}`);
    }
    const sd = Math.sqrt(n * rate * keep);
    assert.ok(
      Math.abs(dropped - n * rate) <= 4 * sd,
      `rate ${rate}: dropped ${dropped} of ${n}, expected ${n * rate} ± ${(4 * sd).toFixed(1)}`,
    );
    tf.dispose([x, y]);
  }
});

Deno.test("dropPath() draws a fresh mask on every call", () => {
  const rng = Rng.stream(3, "dropout");
  const x = tf.ones([256, 2]);
  const a = dropPath(x, 0.5, rng);
  const b = dropPath(x, 0.5, rng);
  assert.notDeepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  tf.dispose([x, a, b]);
});

Deno.test("dropPath() scales kept samples by exactly 1/keep and zeroes the others", () => {
  const n = 64;
  const rate = 0.25;
  const x = tf.randomNormal([n, 5, 5, 3], 0, 1, "float32", 11);
  const y = dropPath(x, rate, Rng.stream(1, "dropout"));
  const xs = samples(x.dataSync() as Float32Array, n);
  const ys = samples(y.dataSync() as Float32Array, n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (ys[i]!.every((v) => v === 0)) continue;
    kept++;
    for (let j = 0; j < xs[i]!.length; j++) {
      const want = xs[i]![j]! / (1 - rate);
      const got = ys[i]![j]!;
      assert.ok(
        Math.abs(got - want) <= 1e-6 * Math.abs(want),
        `sample ${i}[${j}]: ${got} ≠ ${want}`,
      );
    }
  }
  assert.ok(kept > 0 && kept < n, `expected both kept and dropped samples, kept ${kept} of ${n}`);
  tf.dispose([x, y]);
});

Deno.test("dropPath() at rate 0 is the identity", () => {
  const x = tf.randomNormal([8, 3, 3, 2], 0, 1, "float32", 5);
  const y = dropPath(x, 0, Rng.stream(0, "dropout"));
  assert.deepEqual(y.shape, x.shape);
  assert.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
  tf.dispose([x, y]);
});

Deno.test("dropPathRates() is numpy linspace(0, rate, sum(depths)) in block order", () => {
  // the official code: [x.item() for x in torch.linspace(0, drop_path_rate, sum(depths))]
  assert.deepEqual(dropPathRates([1, 1, 1, 1], 0.3).map((r) => +r.toFixed(12)), [0, 0.1, 0.2, 0.3]);
  for (const [depths, rate] of [[[3, 3, 9, 3], 0.1], [[2, 2, 6, 2], 0.4], [[3, 3, 27, 3], 0.5]]) {
    const got = dropPathRates(depths as number[], rate as number);
    const want = linspace(0, rate as number, (depths as number[]).reduce((a, b) => a + b, 0));
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-12, `block ${i}: ${got[i]} vs ${want[i]}`);
    }
  }
  assert.deepEqual(dropPathRates([1], 0.5), [0]);
  assert.deepEqual(dropPathRates([2, 1, 1, 1], 0), [0, 0, 0, 0, 0]);
});

/** An Rng whose every uniform draw is `u` (u = 0 keeps every sample, u → 1 drops every one). */
class ConstantRng extends Rng {
  draws = 0;
  constructor(readonly u: number) {
    super([1, 2, 3, 4]);
  }
  override uniform(): number {
    this.draws++;
    return this.u;
  }
}

/**
 * Runs the network with its large-kernel module replaced by the identity and every block's MLP
 * branch made the constant 1 (pwconv2 weight 0, bias 1, no layer scale), so that a block's output
 * minus its input is exactly its drop-path multiplier: 1/(1 − rate) when kept, 0 when dropped, 1
 * when drop path is off. Returns that multiplier for every block whose output is observable (the
 * next block's input, or the returned features for the last stage), keyed by global block index.
 */
function blockMultipliers(training: boolean, rng: Rng | undefined): Map<number, number> {
  const depths = [2, 2, 3, 2];
  const config = resolveModelConfig("slak_nano", {
    overrides: {
      depths,
      dims: [4, 4, 4, 4],
      widthFactor: 1,
      kernelSizes: [3, 3, 3, 3],
      numClasses: 2,
      dropPath: 0.4,
      layerScaleInit: 0,
    },
  });
  const model = buildModel(config, { seed: 1 });
  try {
    for (const [name, v] of model.params) {
      if (/\.pwconv2\.weight$/.test(name)) v.assign(tf.zerosLike(v));
      if (/\.pwconv2\.bias$/.test(name)) v.assign(tf.onesLike(v));
    }
    const inputs = new Map<string, Float32Array>();
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const features = runNetwork(
      {
        config,
        param: (name) => getVar(model, name),
        optional: (name) => model.params.get(name),
        largeKernel: (h, s, b) => {
          inputs.set(`${s}.${b}`, Float32Array.from(h.dataSync() as Float32Array));
          return h;
        },
      },
      x,
      { training, rng, output: "features" },
    );
    const out = new Map<number, number>();
    let cur = 0;
    for (let s = 0; s < 4; s++) {
      for (let b = 0; b < depths[s]!; b++) {
        const before = inputs.get(`${s}.${b}`)!;
        let after: Float32Array | undefined = inputs.get(`${s}.${b + 1}`);
        if (!after && s === 3) after = features.dataSync() as Float32Array;
        if (after) {
          const deltas = before.map((v, i) => after![i]! - v);
          const m = deltas[0]!;
          for (const d of deltas) assert.ok(Math.abs(d - m) <= 1e-4, `block ${cur + b}: ${d}/${m}`);
          out.set(cur + b, m);
        }
      }
      cur += depths[s]!;
    }
    tf.dispose([x, features]);
    assert.equal(out.size, 6, "observable blocks");
    return out;
  } finally {
    disposeModel(model);
  }
}

Deno.test("the network applies linspace drop-path rates block by block in training only", () => {
  const rates = linspace(0, 0.4, 9);
  const keepAll = new ConstantRng(0);
  for (const [block, m] of blockMultipliers(true, keepAll)) {
    const want = 1 / (1 - rates[block]!);
    assert.ok(Math.abs(m - want) <= 1e-4, `block ${block}: kept branch × ${m}, want ${want}`);
  }
  assert.ok(keepAll.draws > 0, "training with drop path draws from the rng");
  for (const [block, m] of blockMultipliers(true, new ConstantRng(1 - 1e-9))) {
    const want = block === 0 ? 1 : 0; // block 0 has rate 0: never dropped
    assert.ok(Math.abs(m - want) <= 1e-4, `block ${block}: dropped branch × ${m}, want ${want}`);
  }
  const evalRng = new ConstantRng(1 - 1e-9);
  for (const [block, m] of blockMultipliers(false, evalRng)) {
    assert.ok(Math.abs(m - 1) <= 1e-4, `eval, block ${block}: branch × ${m}, want 1`);
  }
  assert.equal(evalRng.draws, 0, "eval mode draws nothing");
  // eval mode needs no rng at all
  for (const m of blockMultipliers(false, undefined).values()) assert.ok(Math.abs(m - 1) <= 1e-4);
});
