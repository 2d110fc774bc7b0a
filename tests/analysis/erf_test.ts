// The ERF: the area-ratio rule on hand-made maps, the batched measurement against per-image
// gradients and a finite-difference check on a tiny model, and the image average.
import assert from "node:assert/strict";
import {
  accumulateErf,
  areaRatio,
  areaRatios,
  erfAccumulator,
  erfBatchMaps,
  erfMean,
  logScaled,
} from "../../lib/analysis/mod.ts";
import { disposeModel, forward } from "../../lib/models/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { nonTrivialModel, tinyConfig } from "./_helpers.ts";

await initBackend("cpu");

Deno.test("areaRatio() finds the smallest centred square above each share", () => {
  // 9×9, log10(x+1) = 1 at the centre and at (4, 6): each holds half of the total
  const map = new Float32Array(81);
  map[4 * 9 + 4] = 9;
  map[4 * 9 + 6] = 9;
  const scaled = logScaled(map);
  assert.deepEqual(areaRatio(scaled, 9, 9, 0.3), { side: 1, ratio: 1 / 81 });
  assert.deepEqual(areaRatio(scaled, 9, 9, 0.5), { side: 5, ratio: 25 / 81 });
  const r = areaRatios(map, 9, 9);
  assert.deepEqual(Object.keys(r), ["0.2", "0.3", "0.5", "0.99"]);
  assert.equal(r["0.99"], 25 / 81);
  // log scaling: 99 → 2, 9 → 1: the centre holds 2/3
  map[4 * 9 + 4] = 99;
  assert.equal(areaRatios(map, 9, 9)["0.5"], 1 / 81);
  // a uniform map needs the whole image for 0.99; the square is clipped on an even side
  const flat = new Float32Array(8 * 8).fill(1);
  assert.equal(areaRatio(logScaled(flat), 8, 8, 0.99).ratio, 1);
  // 0.2 of 64 = 12.8: side 3 holds 9, side 5 holds 25
  assert.equal(areaRatio(logScaled(flat), 8, 8, 0.2).ratio, 25 / 64);
});

function centreScalar(model: ReturnType<typeof nonTrivialModel>, x: tf.Tensor4D): number {
  return tf.tidy(() => {
    const f = forward(model, x, { training: false, output: "features" });
    const [, h, w] = f.shape as number[];
    const v = tf.slice(f, [0, Math.floor(h! / 2), Math.floor(w! / 2), 0], [1, 1, 1, -1]);
    return tf.sum(tf.relu(v)).dataSync()[0]!;
  });
}

Deno.test("erfBatchMaps() equals per-image gradients and finite differences", async () => {
  const model = nonTrivialModel(tinyConfig());
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 7) as tf.Tensor4D;
  const maps = await erfBatchMaps(model, x).data();
  // per image, independently: d/dx Σ_c ReLU(F[c, h/2, w/2]) → ReLU → Σ channels
  for (let i = 0; i < 2; i++) {
    const xi = tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    const g = tf.grad((inp: tf.Tensor) => {
      const f = forward(model, inp as tf.Tensor4D, { training: false, output: "features" });
      const [, h, w] = f.shape as number[];
      return tf.sum(
        tf.relu(tf.slice(f, [0, Math.floor(h! / 2), Math.floor(w! / 2), 0], [1, 1, 1, -1])),
      );
    })(xi);
    const grad = await g.data();
    const one = await tf.sum(tf.relu(g), 3).data();
    for (let p = 0; p < 32 * 32; p++) {
      assert.ok(Math.abs(one[p]! - maps[i * 1024 + p]!) <= 1e-6 + 1e-4 * Math.abs(one[p]!));
    }
    if (i === 0) {
      // finite differences on the pixels with the largest gradients
      const xd = await xi.data();
      const order = [...grad.keys()].sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!));
      for (const k of order.slice(0, 4)) {
        const eps = 1e-2;
        const plus = Float32Array.from(xd);
        const minus = Float32Array.from(xd);
        plus[k] = plus[k]! + eps;
        minus[k] = minus[k]! - eps;
        const fd = (centreScalar(model, tf.tensor4d(plus, [1, 32, 32, 3])) -
          centreScalar(model, tf.tensor4d(minus, [1, 32, 32, 3]))) / (2 * eps);
        assert.ok(
          Math.abs(fd - grad[k]!) < 0.05 * Math.abs(grad[k]!) + 1e-4,
          `pixel ${k}: ${fd} vs ${grad[k]}`,
        );
      }
    }
  }
  // the average over images, as the accumulator computes it
  const acc = erfAccumulator(32, 32);
  await accumulateErf(acc, model, x);
  const mean = erfMean(acc);
  assert.equal(acc.count, 2);
  for (let p = 0; p < 1024; p++) {
    assert.ok(Math.abs(mean[p]! - (maps[p]! + maps[1024 + p]!) / 2) <= 1e-6 + 1e-5 * mean[p]!);
  }
  disposeModel(model);
});
