// The layout fast paths in front of tfjs-cpu's Transpose / Slice / SplitV and the binary fast
// paths in front of Add / Sub / Multiply / RealDiv must give tfjs's own bits (the wrapped kernels,
// reached with the paths off, are the reference) on every permutation, slice and broadcast of small
// random shapes, leave other dtypes/cases to tfjs, and keep a segmentation head's backward
// bit-identical.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { fastLayoutCount, useFastLayout } from "../../lib/ops/cpu_layout/mod.ts";
import { fastBinaryCount, useFastBinary } from "../../lib/ops/broadcast_binary/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

function bits(t: tf.Tensor): number[] {
  const v = t.dataSync();
  return v instanceof Float32Array ? [...new Uint32Array(v.slice().buffer)] : [...v].map(Number);
}

/** f() with both fast paths on or off (restored afterwards). */
function withPaths<R>(on: boolean, f: () => R): R {
  const l = useFastLayout(on);
  const b = useFastBinary(on);
  try {
    return f();
  } finally {
    useFastLayout(l);
    useFastBinary(b);
  }
}

/** Both ways, as bit arrays plus shapes; asserts the fast path ran `expectFast` times. */
function compare(f: () => tf.Tensor | tf.Tensor[], what: string, expectFast = true): void {
  const l0 = fastLayoutCount();
  const b0 = fastBinaryCount();
  const ours = withPaths(true, () => [f()].flat());
  const took = fastLayoutCount() + fastBinaryCount() - l0 - b0;
  assert.equal(took > 0, expectFast, `${what}: fast path taken ${took} times`);
  const ref = withPaths(false, () => [f()].flat());
  assert.equal(fastLayoutCount() + fastBinaryCount() - l0 - b0, took, `${what}: off means off`);
  assert.equal(ours.length, ref.length);
  ours.forEach((o, i) => {
    assert.deepEqual(o.shape, ref[i]!.shape, what);
    assert.equal(o.dtype, ref[i]!.dtype, what);
    assert.deepEqual(bits(o), bits(ref[i]!), what);
  });
  tf.dispose([...ours, ...ref]);
}

function randomTensor(rng: Rng, shape: number[], dtype: "float32" | "int32" = "float32") {
  const n = shape.reduce((a, d) => a * d, 1);
  const v = Array.from({ length: n }, () => (rng.uniform() - 0.5) * 8);
  return dtype === "int32" ? tf.tensor(v.map(Math.round), shape, "int32") : tf.tensor(v, shape);
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])
  );
}

Deno.test("Transpose: every permutation of ranks 1-4 (and a 5-D one), float32 and int32", () => {
  const rng = Rng.stream(1, "transpose");
  const shapes = [[7], [3, 5], [2, 3, 4], [2, 3, 1, 5], [4, 1, 40, 3], [2, 33, 2, 37]];
  for (const shape of shapes) {
    for (const perm of permutations(shape.length)) {
      for (const dtype of ["float32", "int32"] as const) {
        const x = randomTensor(rng, shape, dtype);
        compare(
          () => tf.transpose(x, perm),
          `transpose [${shape}] by [${perm}] ${dtype}`,
          shape.length > 1, // tfjs clones rank 0-1 without a kernel
        );
        x.dispose();
      }
    }
  }
  const x5 = randomTensor(rng, [2, 3, 2, 4, 3]);
  compare(() => tf.transpose(x5, [4, 2, 0, 3, 1]), "5-D");
  x5.dispose();
});

Deno.test("Slice and SplitV: random boxes and channel splits, float32 / int32 / bool", () => {
  const rng = Rng.stream(2, "slice");
  const shape = [3, 5, 4, 37];
  const x = randomTensor(rng, shape);
  const xi = randomTensor(rng, shape, "int32");
  const xb = tf.greater(x, 0);
  for (let t = 0; t < 40; t++) {
    const begin = shape.map((d) => Math.floor(rng.uniform() * d));
    const size = shape.map((d, i) => 1 + Math.floor(rng.uniform() * (d - begin[i]!)));
    if (t % 5 === 0) size[3] = -1; // "the rest"
    compare(() => tf.slice(x, begin, size), `slice ${begin} ${size}`);
    compare(() => tf.slice(xi, begin, size), `slice int32 ${begin} ${size}`);
    compare(() => tf.slice(xb, begin, size), `slice bool ${begin} ${size}`);
  }
  for (let axis = 0; axis < 4; axis++) {
    const d = shape[axis]!;
    compare(() => tf.split(x, [1, d - 1], axis), `splitV axis ${axis}`);
    compare(() => tf.split(x, [1, -1], axis), `splitV -1 axis ${axis}`, false); // tfjs's own
  }
  compare(() => tf.split(x, 5, 1), "split into 5 equal parts");
  compare(() => tf.split(tf.concat([x, x, x], 3), [37, 50, 24], -1), "concat's gradient layout");
  tf.dispose([x, xi, xb]);
});

Deno.test("Add / Sub / Multiply / RealDiv: broadcasts and same shapes, special values", () => {
  const rng = Rng.stream(3, "binary");
  const pairs: Array<[number[], number[]]> = [
    [[2, 3, 4, 5], [5]],
    [[2, 3, 4, 5], [2, 1, 1, 5]],
    [[2, 3, 4, 5], [2, 1, 1, 1]],
    [[2, 1, 4, 1], [1, 3, 1, 5]],
    [[131, 4], [131, 1]],
    [[4, 5], []],
    [[1], [3, 2]],
    [[3, 1, 5], [4, 1]],
    [[2, 3], [2, 3]],
  ];
  const ops = [
    ["add", tf.add],
    ["sub", tf.sub],
    ["mul", tf.mul],
    ["div", tf.div],
  ] as const;
  for (const [sa, sb] of pairs) {
    const a = randomTensor(rng, sa);
    const b = randomTensor(rng, sb);
    for (const [name, op] of ops) {
      const fast = !(name === "add" && sa.join() === sb.join()); // same-shape Add: its own path
      compare(() => op(a, b), `${name} [${sa}] [${sb}]`, fast);
      compare(() => op(b, a), `${name} [${sb}] [${sa}]`, fast);
    }
    tf.dispose([a, b]);
  }
  const special = tf.tensor1d([0, -0, 1e-45, 3.4e38, -Infinity, Infinity, NaN, 1]);
  const col = tf.tensor2d([0, -0, Infinity, NaN, 3.4e38, 1e-45], [6, 1]);
  for (const [name, op] of ops) compare(() => op(col, special), `${name} special`);
  const ints = tf.tensor2d([1, 2, 3, 4], [2, 2], "int32");
  compare(() => tf.mul(ints, tf.tensor1d([3, 4], "int32")), "int32 goes to tfjs", false);
  tf.dispose([special, col, ints]);
});

Deno.test("a concat + transpose + broadcast chain's gradient is bit-identical with the paths off", () => {
  const rng = Rng.stream(4, "grad");
  const x = randomTensor(rng, [2, 6, 5, 8]);
  const w = randomTensor(rng, [1, 1, 1, 8]);
  const loss = (t: tf.Tensor) => {
    const c = tf.concat([t, tf.mul(t, w), tf.sub(t, tf.mean(t, 3, true))], 3);
    const p = tf.transpose(c, [1, 2, 0, 3]);
    return tf.sum(tf.mul(tf.div(p, tf.add(tf.abs(p), 1)), p));
  };
  compare(() => tf.grad(loss)(x), "gradient");
  tf.dispose([x, w]);
});
