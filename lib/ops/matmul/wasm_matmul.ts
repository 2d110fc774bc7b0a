/**
 * Float32 matrix product on a WebAssembly SIMD micro-kernel (see wasm_gemm_module.ts). A is
 * copied into the shared kernel memory (../_threads/memory.ts) as is (the kernel reads it in
 * place, transposed or not); op(B) is packed into NR-column panels per k block, once per call.
 * Row panels of op(A) are split into fixed ranges across the kernel threads (../_threads): each
 * range goes in chunks and, within a chunk, k goes in blocks accumulating into a panel-padded C
 * that is unpadded and copied out. Inside `withConstantOperands` (packed_b_cache.ts) packed B
 * panels are cached per B array and reused. Every element of C sums its products in the same order
 * whatever the thread count, so results are bit-identical for any number of threads.
 *
 * @module
 */
import {
  ensureKernelBytes,
  kernelF32,
  kernelInstance,
  MODULE,
  type ModuleSpec,
  runKernelJob,
  TASK,
} from "../_threads/mod.ts";
import { constantOperandsActive, packedOperand } from "./packed_b_cache.ts";

/** Register block of the default kernel: rows per micro-tile and f32x4 vectors per row. */
export const WASM_BLOCK: { mr: number; nv: number } = { mr: 6, nv: 2 };
/** Rows of op(A) per chunk (rounded up to a multiple of MR). */
const ROW_CHUNK = 256;
/** Floats of packed B per k block (1 MiB: stays in L2); the k block is at least {@link K_BLOCK_MIN}. */
const B_BLOCK_FLOATS = 1 << 18;
const K_BLOCK_MIN = 128;

function spec(block: { mr: number; nv: number }, fma: boolean): ModuleSpec {
  return { kind: MODULE.gemm, a: block.mr, b: block.nv, fma };
}

/** What the wasm path can use here: SIMD at all, and relaxed-simd fused multiply-add. */
export function wasmMatmulSupport(): { simd: boolean; fma: boolean } {
  const fma = kernelInstance(spec(WASM_BLOCK, true)) !== null;
  return { simd: fma || kernelInstance(spec(WASM_BLOCK, false)) !== null, fma };
}

let wasmPacking = true;

/**
 * Whether a row-major (not transposed) B is packed by the module's `pack` function (default) or
 * by the JS loops; both give the same bytes (for tests and before/after timings). Returns the
 * previous setting.
 */
export function useWasmPacking(on: boolean): boolean {
  const was = wasmPacking;
  wasmPacking = on;
  return was;
}

/**
 * Packs rows [p0, p0+kc) of op(B) (k×n) into ceil(n/nr) panels of kc×nr floats at dst[off..],
 * zero-padding the columns past n; panels before `t0` are left alone.
 */
function packB(
  nr: number,
  dst: Float32Array,
  off: number,
  b: Float32Array,
  k: number,
  n: number,
  transposeB: boolean,
  p0: number,
  kc: number,
  t0 = 0,
): void {
  const np = Math.ceil(n / nr);
  for (let t = t0; t < np; t++) {
    const j0 = t * nr;
    const base = off + t * kc * nr;
    const cols = Math.min(nr, n - j0);
    if (!transposeB) {
      // b[p, j]: nr contiguous floats per p
      for (let p = 0, d = base, s = p0 * n + j0; p < kc; p++, d += nr, s += n) {
        if (cols === nr) {
          for (let c = 0; c < nr; c++) dst[d + c] = b[s + c]!;
        } else {
          for (let c = 0; c < nr; c++) dst[d + c] = c < cols ? b[s + c]! : 0;
        }
      }
    } else {
      // b[j, p]: walk each column's row of b contiguously
      for (let c = 0; c < nr; c++) {
        if (c < cols) {
          const s = (j0 + c) * k + p0;
          for (let p = 0, d = base + c; p < kc; p++, d += nr) dst[d] = b[s + p]!;
        } else {
          for (let p = 0, d = base + c; p < kc; p++, d += nr) dst[d] = 0;
        }
      }
    }
  }
}

/**
 * C[M,N] = op(A) · op(B) on the wasm SIMD kernel, or `null` when WebAssembly SIMD is unavailable.
 * Same operand layout as `matmulCpu`. `fma` asks for relaxed-simd fused multiply-add (used only
 * where it validates); `block` picks the register block (for tuning).
 */
export function matmulWasm(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
  fma = true,
  block: { mr: number; nv: number } = WASM_BLOCK,
): Float32Array | null {
  if (m === 0 || n === 0 || k === 0) {
    const usable = kernelInstance(spec(block, false)) !== null ||
      (fma && kernelInstance(spec(block, true)) !== null);
    return usable ? new Float32Array(m * n) : null;
  }
  const view = matmulWasmInPlace(a, b, m, k, n, transposeA, transposeB, fma, block);
  if (view === null) return null;
  const c = new Float32Array(m * n);
  c.set(view);
  return c;
}

/**
 * Like {@link matmulWasm} but leaves C (row-major, m·n floats) in the kernel memory and returns a
 * view of it instead of a copy: the view is valid only until the next wasm kernel call (or memory
 * growth), so callers read or rewrite it at once (fused epilogues: bias, GELU). `null` when
 * WebAssembly SIMD is unavailable, the operands do not fit, or m, n or k is 0.
 */
export function matmulWasmInPlace(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
  fma = true,
  block: { mr: number; nv: number } = WASM_BLOCK,
): Float32Array | null {
  const chosen = fma && kernelInstance(spec(block, true)) !== null ? spec(block, true) : null;
  const sp = chosen ?? spec(block, false);
  if (kernelInstance(sp) === null) return null;
  if (m === 0 || n === 0 || k === 0) return null;
  const mr = block.mr;
  const nr = 4 * block.nv;
  const np = Math.ceil(n / nr);
  const nPad = np * nr;
  const kBlocks = Math.ceil(k / Math.max(K_BLOCK_MIN, Math.floor(B_BLOCK_FLOATS / nPad)));
  const kcMax = Math.ceil(k / kBlocks);
  const mp = Math.ceil(m / mr);
  const chunkPanels = Math.ceil(ROW_CHUNK / mr);
  // float offsets: B panels of every k block | padded C | A as given (+ zeroed slack read by
  // partial row panels)
  const bOff = 0;
  const cOff = bOff + nPad * k;
  const aOff = cOff + mp * mr * nPad;
  const slack = mr * k + mr;
  if (!ensureKernelBytes(4 * (aOff + m * k + slack))) return null;
  const f32 = kernelF32();
  f32.set(a.subarray(0, m * k), aOff);
  f32.fill(0, aOff + m * k, aOff + m * k + slack);
  // byte strides of A's rows (i), columns (p) and row panels
  const aRow = transposeA ? 4 : 4 * k;
  const aCol = transposeA ? 4 * m : 4;
  const packInto = (dst: Float32Array, off: number) => {
    for (let kb = 0; kb < kBlocks; kb++) {
      const p0 = kb * kcMax;
      packB(nr, dst, off + p0 * nPad, b, k, n, transposeB, p0, Math.min(kcMax, k - p0));
    }
  };
  const ex = kernelInstance(sp)!;
  if (!transposeB && wasmPacking && !constantOperandsActive()) {
    // B row-major: one memcpy into the kernel memory, full panels packed by wasm, the last
    // partial panel (n not a multiple of nr) by the JS loop
    const rawOff = aOff + m * k + slack;
    if (!ensureKernelBytes(4 * (rawOff + k * n))) return null;
    const mem = kernelF32();
    mem.set(b.subarray(0, k * n), rawOff);
    const full = Math.floor(n / nr);
    for (let kb = 0; kb < kBlocks; kb++) {
      const p0 = kb * kcMax;
      const kc = Math.min(kcMax, k - p0);
      ex.pack!(4 * (rawOff + p0 * n), 4 * (bOff + p0 * nPad), kc, 4 * n, full, 4 * kc * nr);
      if (full < np) packB(nr, mem, bOff + p0 * nPad, b, k, n, false, p0, kc, full);
    }
  } else if (constantOperandsActive()) {
    const packed = packedOperand(b, `${k} ${n} ${transposeB} ${nr} ${kcMax}`, () => {
      const dst = new Float32Array(nPad * k);
      packInto(dst, 0);
      return dst;
    });
    f32.set(packed, bOff);
  } else {
    packInto(f32, bOff);
  }
  const args = [
    4 * aOff,
    4 * bOff,
    4 * cOff,
    np,
    k,
    kcMax,
    kBlocks,
    4 * nPad,
    aRow,
    aCol,
    mr,
    chunkPanels,
    4 * kcMax * nPad,
  ];
  runKernelJob(sp, TASK.gemmRows, args, mp, m * k * n);
  if (nPad !== n) ex.compact!(4 * cOff, m, 4 * n, 4 * nPad);
  return kernelF32().subarray(cOff, cOff + m * n);
}
