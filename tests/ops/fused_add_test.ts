// The fused same-shape add and the drop-path scaled residual add on the cpu backend must give the
// very bits of the tfjs Add / Mul chains they replace (tfjs's cpu kernels as the reference),
// forward and through tf.grads.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { addSame, initBackend, scaledResidualAdd } from "../../lib/ops/mod.ts";

await initBackend("cpu");

function bits(t: tf.Tensor): number[] {
  return [...new Uint32Array((t.dataSync() as Float32Array).slice().buffer)];
}

const rand = (shape: number[], seed: number, scale = 1) =>
  tf.randomNormal(shape, 0, scale, "float32", seed);

Deno.test("addSame() equals chained tf.add bit for bit, with gradients", () => {
  const shape = [3, 4, 5, 6];
  // mixed magnitudes so that the rounding order matters
  const ts = [rand(shape, 1), rand(shape, 2, 1e4), rand(shape, 3, 1e-3), rand(shape, 4)];
  for (let k = 1; k <= ts.length; k++) {
    const list = ts.slice(0, k);
    const ref = list.slice(1).reduce((s: tf.Tensor, t) => tf.add(s, t), list[0]!);
    assert.deepEqual(bits(addSame(list)), bits(ref), `${k} terms`);
  }
  const w = rand(shape, 5);
  const f = (fn: (xs: tf.Tensor[]) => tf.Tensor) => (...xs: tf.Tensor[]) =>
    tf.sum(tf.mul(fn(xs), w));
  const ours = tf.grads(f((xs) => addSame(xs)))(ts);
  const ref = tf.grads(f((xs) => tf.addN(xs)))(ts);
  for (let i = 0; i < ts.length; i++) assert.deepEqual(bits(ours[i]!), bits(ref[i]!), `grad ${i}`);
  assert.throws(() => addSame([ts[0]!, tf.zeros([3, 4, 5, 7])]), /shapes differ/);
  assert.throws(() => addSame([]), /no tensors/);
});

Deno.test("scaledResidualAdd() equals x + branch·scale[n] (tfjs Mul then Add), with gradients", () => {
  const shape = [5, 3, 4, 7];
  const x = rand(shape, 6);
  const y = rand(shape, 7, 3);
  const scale = new Float32Array([1 / 0.7, 0, 1 / 0.7, 1 / 0.7, 0]);
  const s = tf.tensor(scale, [5, 1, 1, 1]);
  const ref = (a: tf.Tensor, b: tf.Tensor) => tf.add(a, tf.mul(b, s));
  assert.deepEqual(bits(scaledResidualAdd(x, y, scale)), bits(ref(x, y)));
  assert.deepEqual(bits(scaledResidualAdd(x, y, null)), bits(tf.add(x, y)));
  const w = rand(shape, 8);
  const ours = tf.grads((a, b) => tf.sum(tf.mul(scaledResidualAdd(a, b, scale), w)))([x, y]);
  const want = tf.grads((a, b) => tf.sum(tf.mul(ref(a, b), w)))([x, y]);
  assert.deepEqual(bits(ours[0]!), bits(want[0]!), "dx");
  assert.deepEqual(bits(ours[1]!), bits(want[1]!), "dbranch");
  assert.ok(ours[1]!.dataSync().some((v) => v !== 0), "kept samples get a gradient");
  assert.throws(() => scaledResidualAdd(x, y, new Float32Array(4)), /4 scales for 5 samples/);
});
