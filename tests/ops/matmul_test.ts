// The cpu matrix product (WebAssembly SIMD kernel with JS fallback) must match a float64
// reference within float32 accumulation error for every transpose case and awkward shapes, be
// deterministic, and carry gradients through matMul2d.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend, matMul2d } from "../../lib/ops/mod.ts";
import {
  matmulCpu,
  matmulJs,
  matmulWasm,
  usesWasmMatmul,
  wasmMatmulSupport,
} from "../../lib/ops/matmul/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

const CASES = [[false, false], [false, true], [true, false], [true, true]] as const;

function randomArray(rng: Rng, len: number): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = rng.uniform() * 2 - 1;
  return x;
}

/** op(A)[i, p] and op(B)[p, j] of the row-major operands. */
function at(x: Float32Array, rows: number, cols: number, r: number, c: number, t: boolean) {
  return t ? x[c * rows + r]! : x[r * cols + c]!;
}

/** float64 product and Σ|a||b| per output. */
function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
): { c: Float64Array; abs: Float64Array } {
  const c = new Float64Array(m * n);
  const abs = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, sa = 0;
      for (let p = 0; p < k; p++) {
        const v = at(a, m, k, i, p, ta) * at(b, k, n, p, j, tb);
        s += v;
        sa += Math.abs(v);
      }
      c[i * n + j] = s;
      abs[i * n + j] = sa;
    }
  }
  return { c, abs };
}

/** |c - ref| ≤ γ_k Σ|a||b|, the float32 accumulation bound. */
function assertClose(
  got: Float32Array,
  ref: { c: Float64Array; abs: Float64Array },
  k: number,
  what: string,
) {
  assert.equal(got.length, ref.c.length, what);
  const gamma = (k + 2) * 2 ** -24;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - ref.c[i]!);
    assert.ok(err <= gamma * ref.abs[i]! + 1e-30, `${what}[${i}]: ${got[i]} vs ${ref.c[i]}`);
  }
}

const EDGE = [1, 3, 5, 17, 63, 65];

Deno.test("wasmMatmulSupport() reports WebAssembly SIMD in Deno", () => {
  assert.equal(wasmMatmulSupport().simd, true);
});

Deno.test("matmulWasm() matches float64 for every transpose case on edge sizes", () => {
  const rng = Rng.stream(11, "matmul-edge");
  for (const m of EDGE) {
    for (const k of [1, 5, 17, 65]) {
      for (const n of EDGE) {
        const [ta, tb] = CASES[(m + 3 * k + 7 * n) % 4]!;
        const a = randomArray(rng, m * k);
        const b = randomArray(rng, k * n);
        const ref = reference(a, b, m, k, n, ta, tb);
        for (const fma of [true, false]) {
          assertClose(matmulWasm(a, b, m, k, n, ta, tb, fma)!, ref, k, `${m}x${k}x${n} ${ta}${tb}`);
        }
      }
    }
  }
});

Deno.test("matmulCpu() matches float64 for all transpose cases, chunked rows and k blocks", () => {
  const rng = Rng.stream(12, "matmul-big");
  // m > the row chunk (256); k·n > 2^18 splits k into blocks accumulated across kernel calls
  const shapes: [number, number, number][] = [
    [300, 41, 164],
    [63, 600, 17],
    [2, 3, 5],
    [1, 700, 130],
    [7, 1, 9],
    [7, 600, 1001],
  ];
  for (const [m, k, n] of shapes) {
    for (const [ta, tb] of CASES) {
      const a = randomArray(rng, m * k);
      const b = randomArray(rng, k * n);
      const ref = reference(a, b, m, k, n, ta, tb);
      assertClose(matmulCpu(a, b, m, k, n, ta, tb), ref, k, `cpu ${m}x${k}x${n} ${ta}${tb}`);
      assertClose(matmulJs(a, b, m, k, n, ta, tb), ref, k, `js ${m}x${k}x${n} ${ta}${tb}`);
    }
  }
});

Deno.test("matmulWasm() handles empty dimensions and zero operands", () => {
  assert.deepEqual(
    matmulWasm(new Float32Array(0), new Float32Array(0), 0, 4, 0, false, false),
    new Float32Array(0),
  );
  assert.deepEqual(
    matmulWasm(new Float32Array(0), new Float32Array(0), 3, 0, 5, false, true),
    new Float32Array(15),
  );
  const rng = Rng.stream(13, "matmul-zero");
  const a = new Float32Array(17 * 9);
  const b = randomArray(rng, 9 * 65);
  assert.deepEqual(matmulWasm(a, b, 17, 9, 65, false, false), new Float32Array(17 * 65));
  assert.deepEqual(matmulWasm(b, a, 65, 9, 17, true, true), new Float32Array(65 * 17));
});

Deno.test("matmulCpu() is bitwise deterministic, also after its wasm memory has grown", () => {
  const rng = Rng.stream(14, "matmul-det");
  const a = randomArray(rng, 129 * 83);
  const b = randomArray(rng, 83 * 77);
  assert.ok(usesWasmMatmul(129, 83, 77));
  const first = matmulCpu(a, b, 129, 83, 77, false, true);
  const big = randomArray(rng, 1000 * 300);
  matmulCpu(big, big, 1000, 300, 1000, false, true);
  assert.deepEqual(matmulCpu(a, b, 129, 83, 77, false, true), first);
});

function toArray(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

Deno.test("matMul2d() gradients through tf.grads match float64 on the cpu backend", () => {
  const [m, k, n] = [37, 65, 19];
  const rng = Rng.stream(15, "matmul-grad");
  for (const [ta, tb] of CASES) {
    const av = randomArray(rng, m * k);
    const bv = randomArray(rng, k * n);
    const gv = randomArray(rng, m * n);
    const a = tf.tensor2d(av, ta ? [k, m] : [m, k]);
    const b = tf.tensor2d(bv, tb ? [n, k] : [k, n]);
    const g = tf.tensor2d(gv, [m, n]);
    assertClose(toArray(matMul2d(a, b, ta, tb)), reference(av, bv, m, k, n, ta, tb), k, "fwd");
    const [da, db] = tf.grads((p, q) =>
      tf.sum(tf.mul(matMul2d(p as tf.Tensor2D, q as tf.Tensor2D, ta, tb), g))
    )([a, b]);
    // d op(A) = G · op(B)^T (m×k), d op(B) = op(A)^T · G (k×n); then undo the transposes
    const dOpA = reference(gv, bv, m, n, k, false, !tb);
    const dOpB = reference(av, gv, k, m, n, !ta, false);
    const dA = ta ? transposeRef(dOpA, m, k) : dOpA;
    const dB = tb ? transposeRef(dOpB, k, n) : dOpB;
    assertClose(toArray(da!), dA, n, `da ${ta}${tb}`);
    assertClose(toArray(db!), dB, m, `db ${ta}${tb}`);
  }
});

function transposeRef(r: { c: Float64Array; abs: Float64Array }, rows: number, cols: number) {
  const t = (x: Float64Array) => {
    const y = new Float64Array(x.length);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) y[j * rows + i] = x[i * cols + j]!;
    }
    return y;
  };
  return { c: t(r.c), abs: t(r.abs) };
}
