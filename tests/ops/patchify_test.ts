// The space-to-depth patch matrix on the cpu backend must equal tfjs's slice + reshape + Transpose
// (the reference), and patchifyConv must equal tf.conv2d with stride k, forward and gradients,
// including maps that are not a multiple of k.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend, patchesOf, useFusedCpuOps } from "../../lib/ops/mod.ts";
import { patchifyConv } from "../../lib/layers/mod.ts";

await initBackend("cpu");

function bits(t: tf.Tensor): number[] {
  return [...new Uint32Array((t.dataSync() as Float32Array).slice().buffer)];
}

function reference<T>(fn: () => T): T {
  const was = useFusedCpuOps(false);
  try {
    return fn();
  } finally {
    useFusedCpuOps(was);
  }
}

const cases: [[number, number, number, number], number][] = [
  [[2, 8, 8, 3], 4],
  [[3, 6, 10, 5], 2],
  [[1, 9, 11, 2], 4],
];

Deno.test("patchesOf() equals the transpose-based patch matrix, with its gradient", () => {
  for (const [shape, k] of cases) {
    const x = tf.randomNormal(shape, 0, 1, "float32", 3) as tf.Tensor4D;
    const ours = patchesOf(x, k);
    const ref = reference(() => patchesOf(x, k));
    assert.deepEqual(ours.shape, ref.shape, `${shape} k${k}`);
    assert.deepEqual(bits(ours), bits(ref), `${shape} k${k}`);
    const w = tf.randomNormal(ref.shape, 0, 1, "float32", 4);
    const g = tf.grad((v) => tf.sum(tf.mul(patchesOf(v as tf.Tensor4D, k), w)))(x);
    const gRef = reference(() =>
      tf.grad((v) => tf.sum(tf.mul(patchesOf(v as tf.Tensor4D, k), w)))(x)
    );
    assert.deepEqual(bits(g), bits(gRef), `grad ${shape} k${k}`);
  }
});

Deno.test("patchifyConv() equals tf.conv2d(stride k, valid) + bias, with gradients", () => {
  for (const [shape, k] of cases) {
    const cin = shape[3]!;
    const x = tf.randomNormal(shape, 0, 1, "float32", 5) as tf.Tensor4D;
    const wt = tf.randomNormal([k, k, cin, 6], 0, 0.5, "float32", 6) as tf.Tensor4D;
    const b = tf.randomNormal([6], 0, 1, "float32", 7) as tf.Tensor1D;
    const ref = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, k, "valid"), b);
    const ours = patchifyConv(x, wt, b);
    const want = ref(x, wt, b);
    assert.deepEqual(ours.shape, want.shape);
    const d = tf.max(tf.abs(tf.sub(ours, want))).dataSync()[0]!;
    assert.ok(d <= 1e-5, `forward ${shape}: ${d}`);
    const dy = tf.randomNormal(want.shape, 0, 1, "float32", 8);
    const g1 = tf.grads((x, w, b) =>
      tf.sum(tf.mul(patchifyConv(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D), dy))
    )([x, wt, b]);
    const g2 = tf.grads((x, w, b) => tf.sum(tf.mul(ref(x, w, b), dy)))([x, wt, b]);
    for (let i = 0; i < 3; i++) {
      const e = tf.max(tf.abs(tf.sub(g1[i]!, g2[i]!))).dataSync()[0]!;
      const s = tf.max(tf.abs(g2[i]!)).dataSync()[0]!;
      assert.ok(e <= 1e-5 * Math.max(1, s), `grad ${i} ${shape}: ${e}`);
    }
  }
});
