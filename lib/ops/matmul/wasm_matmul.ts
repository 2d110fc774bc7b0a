/**
 * Float32 matrix product on a WebAssembly SIMD micro-kernel (see wasm_gemm_module.ts). A is
 * copied into wasm memory as is (the kernel reads it in place, transposed or not); rows of op(A)
 * go in chunks and, within a chunk, k goes in blocks: op(B)[block] is packed into NR-column
 * panels (once for the whole call when k fits one block) and the kernel accumulates into a
 * panel-padded C chunk that is unpadded and copied out. One module
 * instance and its memory are reused across calls (memory grows on demand, never shrinks).
 *
 * @module
 */
import { type GemmKernelShape, gemmModuleBytes } from "./wasm_gemm_module.ts";

/** Register block of the default kernel: rows per micro-tile and f32x4 vectors per row. */
export const WASM_BLOCK: { mr: number; nv: number } = { mr: 6, nv: 2 };
/** Rows of op(A) per chunk (rounded up to a multiple of MR). */
const ROW_CHUNK = 256;
/** Floats of packed B per k block (1 MiB: stays in L2); the k block is at least {@link K_BLOCK_MIN}. */
const B_BLOCK_FLOATS = 1 << 18;
const K_BLOCK_MIN = 128;

interface GemmInstance {
  gemm: (
    a: number,
    b: number,
    c: number,
    mp: number,
    np: number,
    k: number,
    ldc: number,
    accumulate: number,
    aRow: number,
    aCol: number,
    aPanel: number,
  ) => void;
  compact: (c: number, rows: number, rowBytes: number, ldc: number) => void;
  memory: WebAssembly.Memory;
}

const instances = new Map<string, GemmInstance | null>();

function instantiate(shape: GemmKernelShape): GemmInstance | null {
  if (typeof WebAssembly !== "object") return null;
  const bytes = gemmModuleBytes(shape);
  if (!WebAssembly.validate(bytes)) return null;
  try {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const ex = inst.exports as unknown as Omit<GemmInstance, "memory"> & {
      mem: WebAssembly.Memory;
    };
    return { gemm: ex.gemm, compact: ex.compact, memory: ex.mem };
  } catch {
    return null;
  }
}

function instance(shape: GemmKernelShape): GemmInstance | null {
  const key = `${shape.mr}x${shape.nv}${shape.fma ? "f" : ""}`;
  if (!instances.has(key)) instances.set(key, instantiate(shape));
  return instances.get(key)!;
}

/** What the wasm path can use here: SIMD at all, and relaxed-simd fused multiply-add. */
export function wasmMatmulSupport(): { simd: boolean; fma: boolean } {
  const fma = instance({ ...WASM_BLOCK, fma: true }) !== null;
  return { simd: fma || instance({ ...WASM_BLOCK, fma: false }) !== null, fma };
}

function ensureBytes(mem: WebAssembly.Memory, bytes: number): void {
  const have = mem.buffer.byteLength;
  if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
}

/**
 * Packs rows [p0, p0+kc) of op(B) (k×n) into ceil(n/nr) panels of kc×nr floats at dst[off..],
 * zero-padding the columns past n.
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
): void {
  const np = Math.ceil(n / nr);
  for (let t = 0; t < np; t++) {
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
  const gi = (fma ? instance({ ...block, fma: true }) : null) ??
    instance({ ...block, fma: false });
  if (gi === null) return null;
  const c = new Float32Array(m * n);
  if (m === 0 || n === 0 || k === 0) return c;
  const mr = block.mr;
  const nr = 4 * block.nv;
  const np = Math.ceil(n / nr);
  const nPad = np * nr;
  const kBlocks = Math.ceil(k / Math.max(K_BLOCK_MIN, Math.floor(B_BLOCK_FLOATS / nPad)));
  const kcMax = Math.ceil(k / kBlocks);
  const chunk = Math.min(Math.ceil(ROW_CHUNK / mr) * mr, Math.ceil(m / mr) * mr);
  // float offsets: B panels | C chunk | A as given (+ zeroed slack read by partial row panels)
  const bOff = 0;
  const cOff = bOff + nPad * kcMax;
  const aOff = cOff + chunk * nPad;
  const slack = mr * k + mr;
  ensureBytes(gi.memory, 4 * (aOff + m * k + slack));
  const f32 = new Float32Array(gi.memory.buffer);
  f32.set(a.subarray(0, m * k), aOff);
  f32.fill(0, aOff + m * k, aOff + m * k + slack);
  // byte strides of A's rows (i), columns (p) and row panels
  const aRow = transposeA ? 4 : 4 * k;
  const aCol = transposeA ? 4 * m : 4;
  if (kBlocks === 1) packB(nr, f32, bOff, b, k, n, transposeB, 0, k);
  for (let i0 = 0; i0 < m; i0 += chunk) {
    const rows = Math.min(chunk, m - i0);
    for (let kb = 0; kb < kBlocks; kb++) {
      const p0 = kb * kcMax;
      const kc = Math.min(kcMax, k - p0);
      if (kBlocks > 1) packB(nr, f32, bOff, b, k, n, transposeB, p0, kc);
      const aBase = 4 * aOff + i0 * aRow + p0 * aCol;
      const accumulate = kb > 0 ? 1 : 0;
      const mp = Math.ceil(rows / mr);
      gi.gemm(aBase, 4 * bOff, 4 * cOff, mp, np, kc, 4 * nPad, accumulate, aRow, aCol, mr * aRow);
    }
    if (nPad !== n) gi.compact(4 * cOff, rows, 4 * n, 4 * nPad);
    c.set(f32.subarray(cOff, cOff + rows * n), i0 * n);
  }
  return c;
}
