// The same-shape fast path in front of tfjs-cpu's "Add" must give tfjs's own bits (the wrapped
// kernel, reached with the path off, is the reference), leave every other case to tfjs, and a
// slak_nano backward (whose gradient sums go through Add) must be bit-identical with it on and off.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend, useFusedCpuOps } from "../../lib/ops/mod.ts";
import { sameShapeAddCount, useSameShapeAdd } from "../../lib/ops/same_shape_add/mod.ts";
import { buildModel, disposeModel, forward, resolveModelConfig } from "../../lib/models/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

function bits(t: tf.Tensor): number[] {
  return [...new Uint32Array((t.dataSync() as Float32Array).slice().buffer)];
}

/** f() with the fast path on or off (restored afterwards). */
function withPath<R>(on: boolean, f: () => R): R {
  const was = useSameShapeAdd(on);
  try {
    return f();
  } finally {
    useSameShapeAdd(was);
  }
}

Deno.test("same-shape float32 Add: tfjs's bits, special values included", () => {
  const special = [0, -0, 1e-45, -1e-45, 3.4e38, 3.4e38, -Infinity, Infinity, NaN, 1, 2 ** -24];
  const av = new Float32Array(4 * 5 * 7);
  const bv = new Float32Array(av.length);
  const rng = Rng.stream(3, "add");
  for (let i = 0; i < av.length; i++) {
    av[i] = (rng.uniform() - 0.5) * 10 ** Math.floor(rng.uniform() * 8 - 4);
    bv[i] = (rng.uniform() - 0.5) * 10 ** Math.floor(rng.uniform() * 8 - 4);
  }
  special.forEach((v, i) => (av[i] = v));
  special.forEach((_, i) => (bv[i] = special[special.length - 1 - i]!));
  const a = tf.tensor3d(av, [4, 5, 7]);
  const b = tf.tensor3d(bv, [4, 5, 7]);
  try {
    const before = sameShapeAddCount();
    const ours = withPath(true, () => tf.add(a, b));
    assert.equal(sameShapeAddCount(), before + 1, "the fast path ran");
    const ref = withPath(false, () => tf.add(a, b));
    assert.equal(sameShapeAddCount(), before + 1, "off: tfjs's kernel ran");
    assert.deepEqual(ours.shape, [4, 5, 7]);
    assert.deepEqual(bits(ours), bits(ref));
    tf.dispose([ours, ref]);
  } finally {
    tf.dispose([a, b]);
  }
});

Deno.test("Add: broadcasting, int32 and fused-ops-off calls go to tfjs's kernel", () => {
  tf.tidy(() => {
    const before = sameShapeAddCount();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.deepEqual([...tf.add(x, tf.tensor1d([10, 20, 30])).dataSync()], [
      11,
      22,
      33,
      14,
      25,
      36,
    ]);
    const i = tf.tensor1d([1, 2], "int32");
    const s = tf.add(i, i);
    assert.equal(s.dtype, "int32");
    assert.deepEqual([...s.dataSync()], [2, 4]);
    const was = useFusedCpuOps(false);
    try {
      assert.deepEqual([...tf.add(x, x).dataSync()], [2, 4, 6, 8, 10, 12]);
    } finally {
      useFusedCpuOps(was);
    }
    assert.equal(sameShapeAddCount(), before, "no fast-path call");
  });
});

/** Gradients of a slak_nano training loss, bit patterns per parameter. */
function grads(): Map<string, number[]> {
  const config = resolveModelConfig("slak_nano", { overrides: { dropPath: 0.3 } });
  const model = buildModel(config, { seed: 0 });
  try {
    let out = new Map<string, number[]>();
    tf.tidy(() => {
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 4) as tf.Tensor4D;
      const names = [...model.params.keys()].filter((n) => model.params.get(n)!.trainable);
      const vars = names.map((n) => model.params.get(n)!);
      const rng = Rng.stream(6, "dropout");
      const { grads } = tf.variableGrads(
        () => tf.mean(tf.square(forward(model, x, { training: true, rng }))) as tf.Scalar,
        vars,
      );
      out = new Map(names.map((n, i) => [n, bits(grads[vars[i]!.name]!)]));
    });
    return out;
  } finally {
    disposeModel(model);
  }
}

Deno.test("slak_nano gradients are bit-identical with the same-shape Add path on and off", () => {
  const before = sameShapeAddCount();
  const ours = withPath(true, grads);
  assert.ok(sameShapeAddCount() > before, "the backward summed gradients through the fast path");
  const ref = withPath(false, grads);
  assert.deepEqual([...ours.keys()], [...ref.keys()]);
  for (const [name, g] of ours) assert.deepEqual(g, ref.get(name), name);
});
