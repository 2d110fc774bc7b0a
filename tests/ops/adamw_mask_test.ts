// Sparsity masks applied inside the fused AdamW update must give the very bits of the update
// followed by a separate `p ⊙ mask` (tfjs Mul), the way masks were applied before: signed zeros,
// non-0/1 mask values and parameters without a gradient included.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { adamwUpdate, initBackend } from "../../lib/ops/mod.ts";
import { AdamW } from "../../lib/train/adamw.ts";
import { applyMasks } from "../../lib/sparse/mod.ts";

await initBackend("cpu");

const STEP = {
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.05,
  biasCorrection1: 1 - 0.9 ** 3,
  biasCorrection2: 1 - 0.999 ** 3,
};

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array((t.dataSync() as Float32Array).slice().buffer);
}

function randomMask(shape: number[], seed: number): tf.Tensor {
  return tf.cast(tf.greater(tf.randomUniform(shape, 0, 1, "float32", seed), 0.5), "float32");
}

Deno.test("adamwUpdate() with a mask equals the update then tf.mul by the mask, bit for bit", () => {
  const shape = [37, 5];
  const r = (seed: number, scale = 1) => tf.randomNormal(shape, 0, scale, "float32", seed);
  const [p, m, g] = [r(1), r(2, 0.1), r(3)];
  const v = tf.abs(r(4, 0.01));
  const masks = [randomMask(shape, 5), tf.randomUniform(shape, -2, 2, "float32", 6)];
  for (const mask of masks) {
    const [p1, m1, v1] = adamwUpdate(p, m, v, g, STEP, mask);
    const [p0, m0, v0] = adamwUpdate(p, m, v, g, STEP);
    assert.deepEqual(bits(p1), bits(tf.mul(p0, mask)));
    assert.deepEqual(bits(m1), bits(m0));
    assert.deepEqual(bits(v1), bits(v0));
  }
  const zeros = [...bits(adamwUpdate(p, m, v, g, STEP, masks[0]!)[0])].filter((b) =>
    b === 0x80000000
  );
  assert.ok(zeros.length > 0, "some masked values are −0, as tfjs's Mul gives");
  assert.throws(() => adamwUpdate(p, m, v, g, STEP, tf.ones([5, 37])), /mask is \[5,37\]/);
});

Deno.test("AdamW.step() with masks equals step() then applyMasks(), bit for bit", () => {
  const shapes: Record<string, number[]> = { "a.weight": [6, 4], "b.weight": [3, 3, 2], c: [5] };
  const make = () =>
    new Map(
      Object.entries(shapes).map((
        [n, s],
        i,
      ) => [n, tf.variable(tf.randomNormal(s, 0, 1, "float32", 10 + i))]),
    );
  const [ours, ref] = [make(), make()];
  const masks = new Map([["a.weight", randomMask([6, 4], 20)], [
    "b.weight",
    randomMask([3, 3, 2], 21),
  ]]);
  const optOurs = new AdamW(ours, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 });
  const optRef = new AdamW(ref, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 });
  for (let step = 0; step < 3; step++) {
    // b.weight has no gradient at step 1: it is still masked
    const grads = (params: Map<string, tf.Variable>) =>
      new Map(
        [...params]
          .filter(([n]) => !(step === 1 && n === "b.weight"))
          .map(([n, p], i) => [n, tf.randomNormal(p.shape, 0, 1, "float32", 100 * step + i + 1)]),
      );
    optOurs.step(ours, grads(ours), 0.01, masks);
    optRef.step(ref, grads(ref), 0.01);
    applyMasks(ref, masks);
    for (const n of Object.keys(shapes)) assert.deepEqual(bits(ours.get(n)!), bits(ref.get(n)!), n);
  }
});
