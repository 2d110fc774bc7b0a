// Packing a row-major B with the module's `pack` function must give the same products, bit for
// bit, as packing it with the JS loops, for full and partial column panels and several k blocks;
// and the product must still match a float64 reference.
import assert from "node:assert/strict";
import { initBackend } from "../../lib/ops/mod.ts";
import { matmulWasm, useWasmPacking, wasmMatmulSupport } from "../../lib/ops/matmul/wasm_matmul.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

function sample(n: number, seed: number): Float32Array {
  const rng = Rng.stream(seed, "wasm-pack");
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

// (m, k, n, transposeA): n = 8·t, n with a partial panel, n < one panel, k over one k block
const SHAPES: [number, number, number, boolean][] = [
  [37, 24, 64, false],
  [50, 41, 166, false],
  [13, 30, 5, false],
  [41, 2000, 164, true],
  [9, 3000, 8, false],
];

Deno.test("wasm-packed B: same bits as JS-packed B, and float64 within tolerance", () => {
  if (!wasmMatmulSupport().simd) return; // nothing to compare without WebAssembly SIMD
  let seed = 1;
  for (const [m, k, n, ta] of SHAPES) {
    const a = sample(m * k, seed++);
    const b = sample(k * n, seed++);
    const was = useWasmPacking(true);
    let wasm: Float32Array, js: Float32Array;
    try {
      wasm = matmulWasm(a, b, m, k, n, ta, false)!;
      useWasmPacking(false);
      js = matmulWasm(a, b, m, k, n, ta, false)!;
    } finally {
      useWasmPacking(was);
    }
    const label = `${m}x${k}x${n}${ta ? " A^T" : ""}`;
    assert.deepEqual(new Uint32Array(wasm.buffer), new Uint32Array(js.buffer), label);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let ref = 0;
        for (let p = 0; p < k; p++) ref += (ta ? a[p * m + i]! : a[i * k + p]!) * b[p * n + j]!;
        const got = wasm[i * n + j]!;
        assert.ok(Math.abs(got - ref) <= 1e-4 * Math.sqrt(k), `${label} [${i},${j}] ${got} ${ref}`);
      }
    }
  }
});
