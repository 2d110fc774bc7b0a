// The plain-JS cpu kernels behind the models' linear layers, LayerNorm, GELU and training-mode
// BatchNorm must equal the composite tfjs ops they replace, forward and through tf.grads.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  adamwUpdate,
  batchMoments,
  batchNormTrain,
  channelAffine,
  geluExact,
  initBackend,
  layerNormLastAxis,
  matMul2d,
} from "../../lib/ops/mod.ts";

await initBackend("cpu");

function close(a: tf.Tensor, b: tf.Tensor, tol: number, what: string) {
  const x = a.dataSync();
  const y = b.dataSync();
  assert.equal(x.length, y.length, what);
  let scale = 1e-6;
  for (const v of y) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < x.length; i++) {
    assert.ok(Math.abs(x[i]! - y[i]!) <= tol * scale, `${what}[${i}]: ${x[i]} vs ${y[i]}`);
  }
}

Deno.test("matMul2d() equals tf.matMul for every transpose case, with gradients", () => {
  for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
    const a = tf.randomNormal(ta ? [7, 5] : [5, 7], 0, 1, "float32", 1) as tf.Tensor2D;
    const b = tf.randomNormal(tb ? [6, 7] : [7, 6], 0, 1, "float32", 2) as tf.Tensor2D;
    const w = tf.randomNormal([5, 6], 0, 1, "float32", 3);
    close(matMul2d(a, b, ta, tb), tf.matMul(a, b, ta, tb), 1e-5, `fwd ${ta}${tb}`);
    const g1 = tf.grads((p, q) =>
      tf.sum(tf.mul(matMul2d(p as tf.Tensor2D, q as tf.Tensor2D, ta, tb), w))
    )([a, b]);
    const g2 = tf.grads((p, q) =>
      tf.sum(tf.mul(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D, ta, tb), w))
    )([a, b]);
    close(g1[0]!, g2[0]!, 1e-5, `da ${ta}${tb}`);
    close(g1[1]!, g2[1]!, 1e-5, `db ${ta}${tb}`);
  }
});

Deno.test("layerNormLastAxis() equals the composite LayerNorm, with gradients", () => {
  const x = tf.randomNormal([3, 4, 9], 2, 3, "float32", 4);
  const g = tf.randomNormal([9], 1, 0.5, "float32", 5) as tf.Tensor1D;
  const b = tf.randomNormal([9], 0, 0.5, "float32", 6) as tf.Tensor1D;
  const w = tf.randomNormal([3, 4, 9], 0, 1, "float32", 7);
  const comp = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, 2, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-6))), g), b);
  };
  close(layerNormLastAxis(x, g, b, 1e-6), comp(x, g, b), 1e-5, "fwd");
  const ours = tf.grads((x, g, b) =>
    tf.sum(tf.mul(layerNormLastAxis(x, g as tf.Tensor1D, b as tf.Tensor1D, 1e-6), w))
  )([x, g, b]);
  const ref = tf.grads((x, g, b) => tf.sum(tf.mul(comp(x, g, b), w)))([x, g, b]);
  for (let i = 0; i < 3; i++) close(ours[i]!, ref[i]!, 1e-4, `grad ${i}`);
});

Deno.test("geluExact() equals 0.5·x·(1 + erf(x/√2)) with its derivative", () => {
  const x = tf.linspace(-6, 6, 101);
  const comp = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  close(geluExact(x), comp(x), 1e-6, "fwd");
  close(tf.grad((v) => tf.sum(geluExact(v)))(x), tf.grad((v) => tf.sum(comp(v)))(x), 1e-5, "grad");
});

Deno.test("batchNormTrain() and batchMoments() equal batch-statistics BN, with gradients", () => {
  const x = tf.randomNormal([2, 3, 5, 4], 1, 2, "float32", 8);
  const g = tf.randomNormal([4], 1, 0.3, "float32", 9) as tf.Tensor1D;
  const b = tf.randomNormal([4], 0, 0.3, "float32", 10) as tf.Tensor1D;
  const w = tf.randomNormal([2, 3, 5, 4], 0, 1, "float32", 11);
  const comp = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
  };
  close(batchNormTrain(x, g, b, 1e-5), comp(x, g, b), 1e-5, "fwd");
  const m = tf.moments(x, [0, 1, 2]);
  const ours = batchMoments(x);
  close(ours.mean, m.mean, 1e-5, "mean");
  close(ours.variance, m.variance, 1e-5, "variance");
  const gOurs = tf.grads((x, g, b) =>
    tf.sum(tf.mul(batchNormTrain(x, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), w))
  )([x, g, b]);
  const gRef = tf.grads((x, g, b) => tf.sum(tf.mul(comp(x, g, b), w)))([x, g, b]);
  for (let i = 0; i < 3; i++) close(gOurs[i]!, gRef[i]!, 1e-4, `grad ${i}`);
});

Deno.test("channelAffine() equals x·scale + bias with gradients, for every null combination", () => {
  const x = tf.randomNormal([3, 5, 6], 0, 1, "float32", 12);
  const s = tf.randomNormal([6], 1, 0.5, "float32", 13) as tf.Tensor1D;
  const b = tf.randomNormal([6], 0, 0.5, "float32", 14) as tf.Tensor1D;
  const w = tf.randomNormal([3, 5, 6], 0, 1, "float32", 15);
  for (const [useS, useB] of [[true, true], [true, false], [false, true]] as const) {
    const inputs = [x, ...(useS ? [s] : []), ...(useB ? [b] : [])];
    const split = (args: tf.Tensor[]) => ({
      sv: useS ? args[1] as tf.Tensor1D : null,
      bv: useB ? args[useS ? 2 : 1] as tf.Tensor1D : null,
    });
    const ours = (...args: tf.Tensor[]) => {
      const { sv, bv } = split(args);
      return tf.sum(tf.mul(channelAffine(args[0]!, sv, bv), w));
    };
    const ref = (...args: tf.Tensor[]) => {
      const { sv, bv } = split(args);
      let y = args[0]!;
      if (sv) y = tf.mul(y, sv);
      if (bv) y = tf.add(y, bv);
      return tf.sum(tf.mul(y, w));
    };
    close(ours(...inputs), ref(...inputs), 1e-5, `fwd ${useS}${useB}`);
    const g1 = tf.grads(ours)(inputs);
    const g2 = tf.grads(ref)(inputs);
    for (let i = 0; i < inputs.length; i++) close(g1[i]!, g2[i]!, 1e-5, `grad ${i} ${useS}${useB}`);
  }
});

Deno.test("adamwUpdate() equals the AdamW formula with decoupled decay and bias correction", () => {
  const n = 50;
  const r = (seed: number, scale = 1) => tf.randomNormal([n], 0, scale, "float32", seed);
  const [p, m, g] = [r(21), r(22, 0.1), r(23)];
  const v = tf.abs(r(24, 0.01));
  const s = {
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.05,
    biasCorrection1: 1 - 0.9 ** 3,
    biasCorrection2: 1 - 0.999 ** 3,
  };
  const [p2, m2, v2] = adamwUpdate(p, m, v, g, s);
  const [pv, mv, vv, gv] = [p.dataSync(), m.dataSync(), v.dataSync(), g.dataSync()];
  for (let i = 0; i < n; i++) {
    const mi = 0.9 * mv[i]! + 0.1 * gv[i]!;
    const vi = 0.999 * vv[i]! + 0.001 * gv[i]! ** 2;
    const pi = pv[i]! * (1 - s.lr * s.weightDecay) -
      (s.lr / s.biasCorrection1) * mi / (Math.sqrt(vi) / Math.sqrt(s.biasCorrection2) + s.eps);
    assert.ok(Math.abs(m2.dataSync()[i]! - mi) < 1e-6);
    assert.ok(Math.abs(v2.dataSync()[i]! - vi) < 1e-7);
    assert.ok(Math.abs(p2.dataSync()[i]! - pi) < 1e-5 * Math.max(1, Math.abs(pi)));
  }
});
