// The fused linear backward's wasm prologue (dH = dY · GELU′ or · scale, float64 bias and scale
// gradient sums) must give the same bits as the plain-JS loops it replaces, for any channel count
// (blocks of four, then a scalar tail), directly and through the op's gradients, and step aside
// (null) when switched off.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { linearFused, type LinearFusedOptions } from "../../lib/ops/linear/mod.ts";
import {
  biasSumWasm,
  geluPrologueWasm,
  scalePrologueWasm,
  useWasmLinearGrad,
  wasmLinearGradActive,
} from "../../lib/ops/linear/wasm_grad_prologue.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

/** Values over many binades (products reach subnormals), with some exact zeros of both signs. */
function sample(n: number, seed: number): Float32Array {
  const rng = Rng.stream(seed, "linear-grad-prologue");
  return Float32Array.from({ length: n }, (_, i) => {
    if (i % 17 === 5) return i % 2 === 0 ? 0 : -0;
    const mag = 2 ** Math.floor(rng.uniform() * 90 - 70);
    return (rng.uniform() * 2 - 1) * mag;
  });
}

function f32Bits(a: Float32Array): number[] {
  return [...new Uint32Array(a.slice().buffer)];
}

function f64Bits(a: Float64Array): bigint[] {
  return [...new BigUint64Array(a.slice().buffer)];
}

/** The reference: the JS loops as written in lib/ops/linear/mod.ts before the wasm prologue. */
function reference(d: Float32Array, aux: Float32Array | null, s: Float32Array | null, n: number) {
  const g = new Float32Array(d.length);
  const db = new Float64Array(n);
  const ds = new Float64Array(s === null ? 0 : n);
  for (let o = 0; o < d.length; o += n) {
    for (let j = 0; j < n; j++) {
      const dj = d[o + j]!;
      let v = dj;
      if (s !== null) {
        ds[j] = ds[j]! + dj * aux![o + j]!;
        v = Math.fround(dj * s[j]!);
      } else if (aux !== null) {
        v = Math.fround(dj * aux[o + j]!);
      }
      g[o + j] = v;
      db[j] = db[j]! + v;
    }
  }
  return { g, db, ds };
}

Deno.test("wasm linear-grad prologue: same bits as the JS loops (gelu, scale, bias only)", () => {
  assert.ok(wasmLinearGradActive(), "WebAssembly SIMD is expected here");
  for (
    const [m, n] of [[1, 4], [3, 12], [37, 96], [200, 20], [5, 1], [7, 3], [33, 42], [
      9,
      6,
    ]] as const
  ) {
    const d = sample(m * n, m + n);
    const aux = sample(m * n, 7 * m + n);
    const s = sample(n, 11 * n);
    const label = `${m}x${n}`;
    const gRef = reference(d, aux, null, n);
    const gel = geluPrologueWasm(d, aux, m, n)!;
    assert.deepEqual(f32Bits(gel.g), f32Bits(gRef.g), `${label} gelu dH`);
    assert.deepEqual(f64Bits(gel.db), f64Bits(gRef.db), `${label} gelu db`);
    const sRef = reference(d, aux, s, n);
    const sc = scalePrologueWasm(d, aux, s, m, n)!;
    assert.deepEqual(f32Bits(sc.g), f32Bits(sRef.g), `${label} scale dH`);
    assert.deepEqual(f64Bits(sc.db), f64Bits(sRef.db), `${label} scale db`);
    assert.deepEqual(f64Bits(sc.ds), f64Bits(sRef.ds), `${label} scale ds`);
    const bRef = reference(d, null, null, n);
    assert.deepEqual(f64Bits(biasSumWasm(d, m, n)!), f64Bits(bRef.db), `${label} bias db`);
  }
});

Deno.test("wasm linear-grad prologue: null when empty or switched off", () => {
  const d = sample(16, 1);
  assert.equal(biasSumWasm(new Float32Array(0), 0, 4), null);
  assert.equal(geluPrologueWasm(d, d, 4, 0), null);
  const was = useWasmLinearGrad(false);
  try {
    assert.equal(biasSumWasm(d, 4, 4), null);
    assert.equal(geluPrologueWasm(d, d, 4, 4), null);
    assert.equal(scalePrologueWasm(d, d, d.subarray(0, 4), 4, 4), null);
    assert.equal(wasmLinearGradActive(), false);
  } finally {
    useWasmLinearGrad(was);
  }
});

function tensorBits(t: tf.Tensor): number[] {
  return f32Bits(t.dataSync() as Float32Array);
}

/** [y, dx, dw, db, dscale?] bits of the fused op for a fixed cotangent. */
function gradBits(m: number, k: number, n: number, mode: string, seed: number): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor2d(sample(m * k, seed), [m, k]);
    const w = tf.tensor2d(sample(k * n, seed + 1), [k, n]);
    const b = tf.tensor1d(sample(n, seed + 2));
    const s = tf.tensor1d(sample(n, seed + 3));
    const dy = tf.tensor2d(sample(m * n, seed + 4), [m, n]);
    const withScale = mode === "scale";
    const f = (...t: tf.Tensor[]) => {
      const opts: LinearFusedOptions = withScale
        ? { scale: t[3] as tf.Tensor1D }
        : { gelu: mode === "gelu" };
      return linearFused(t[0] as tf.Tensor2D, t[1] as tf.Tensor2D, t[2] as tf.Tensor1D, opts);
    };
    const args = withScale ? [x, w, b, s] : [x, w, b];
    const { value, grads } = tf.valueAndGrads(f)(args, dy);
    return [value, ...grads].map(tensorBits);
  });
}

Deno.test("SlakLinear backward: same bits with the wasm prologue on and off", () => {
  for (const [m, k, n] of [[64, 24, 48], [9, 5, 12], [10, 6, 6], [33, 7, 42]] as const) {
    for (const mode of ["gelu", "scale", "bias"]) {
      const label = `${mode} ${m}x${k}x${n}`;
      const was = useWasmLinearGrad(false);
      let off: number[][];
      try {
        off = gradBits(m, k, n, mode, m + n);
      } finally {
        useWasmLinearGrad(was);
      }
      const on = gradBits(m, k, n, mode, m + n);
      assert.equal(on.length, mode === "scale" ? 5 : 4, label);
      on.forEach((v, i) => assert.deepEqual(v, off[i], `${label} output ${i}`));
    }
  }
});
