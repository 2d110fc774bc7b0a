/**
 * The cpu matrix product behind `matMul2d`: the WebAssembly SIMD kernel (wasm_matmul.ts) for
 * products big enough to amortize packing, the plain-JS loops (js_matmul.ts) for tiny ones and
 * wherever WebAssembly SIMD is unavailable. The choice depends only on the shape, so results are
 * deterministic run to run.
 *
 * @module
 */
import { matmulJs } from "./js_matmul.ts";
import { matmulWasm, matmulWasmInPlace } from "./wasm_matmul.ts";

/** Products with fewer multiply-adds (m·k·n) than this stay on the JS loops (measured crossover). */
export const WASM_MIN_MACS = 1024;
/** Below this many multiply-adds, products with fewer than 4 rows also stay on the JS loops. */
const WASM_MIN_MACS_FEW_ROWS = 65536;

/** Whether `matmulCpu` sends this shape to the wasm kernel (when WebAssembly SIMD exists). */
export function usesWasmMatmul(m: number, k: number, n: number): boolean {
  const macs = m * k * n;
  return macs >= WASM_MIN_MACS && (m >= 4 || macs >= WASM_MIN_MACS_FEW_ROWS);
}

/** A wasm product (`null`: not available here); matmulWasm or matmulWasmInPlace. */
type WasmProduct = (
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
) => Float32Array | null;

/** `wasm`'s product where the wasm kernel is worth it and available, else the plain-JS one. */
function product(
  wasm: WasmProduct,
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): Float32Array {
  const c = usesWasmMatmul(m, k, n) ? wasm(a, b, m, k, n, transposeA, transposeB) : null;
  return c ?? matmulJs(a, b, m, k, n, transposeA, transposeB);
}

/**
 * C[M,N] = op(A) · op(B) with op = identity or transpose. A is [M,K] (or [K,M] when transposeA),
 * B is [K,N] (or [N,K] when transposeB).
 */
export function matmulCpu(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): Float32Array {
  return product(matmulWasm, a, b, m, k, n, transposeA, transposeB);
}

/**
 * The same product as {@link matmulCpu}, but when the wasm kernel runs, C is returned as a view of
 * the kernel memory (no copy; valid only until the next wasm kernel call), for fused epilogues
 * that rewrite it in place before producing their own outputs. Otherwise a fresh array. Same
 * values as `matmulCpu` bit for bit.
 */
export function matmulCpuScratch(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): Float32Array {
  return product(matmulWasmInPlace, a, b, m, k, n, transposeA, transposeB);
}
