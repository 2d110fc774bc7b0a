/**
 * The fused linear backward's prologue on the WebAssembly SIMD module
 * (wasm_grad_prologue_module.ts): dH = dY · GELU′ (or · scale) and the float64 bias (and scale)
 * gradient sums, with the same bits as the plain-JS loops of mod.ts. One instance with its own
 * memory, grown on demand; each call copies its operands in and leaves dH there (a view, valid
 * until the next call), so the backward's two products read it without another array. Every
 * function returns `null` when WebAssembly SIMD is unavailable, switched off, there is nothing to
 * do, or the operands do not fit; callers then run the JS loops.
 *
 * @module
 */
import { lazyWasmExports } from "../_cpu/wasm_module.ts";
import { gradPrologueModuleBytes } from "./wasm_grad_prologue_module.ts";

type Fn = (...args: number[]) => void;

interface Exports {
  mem: WebAssembly.Memory;
  geluPrologue: Fn;
  scalePrologue: Fn;
  biasSum: Fn;
}

const module = lazyWasmExports<Exports>(gradPrologueModuleBytes);

let enabled = true;

/**
 * Whether the fused linear backward uses the wasm prologue (default) or the JS loops (same bits;
 * for before/after timings and tests). Returns the previous setting.
 */
export function useWasmLinearGrad(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether the wasm prologue runs here (SIMD available and switched on). */
export function wasmLinearGradActive(): boolean {
  return enabled && module() !== null;
}

const MAX_BYTES = 2 ** 32 - 2 ** 16;

/** 16-byte aligned byte offsets of regions of the given byte sizes (memory grown), or null. */
function regions(ex: Exports, sizes: number[]): number[] | null {
  const at: number[] = [];
  let end = 64;
  for (const s of sizes) {
    at.push(end);
    end += Math.ceil(s / 16) * 16;
  }
  if (end > MAX_BYTES) return null;
  const have = ex.mem.buffer.byteLength;
  if (end > have) {
    try {
      ex.mem.grow(Math.ceil((end - have) / 65536));
    } catch {
      return null;
    }
  }
  return at;
}

function usable(count: number, n: number): Exports | null {
  if (!enabled || n === 0 || count === 0) return null;
  return module();
}

function put(ex: Exports, src: Float32Array, at: number, count: number): void {
  new Float32Array(ex.mem.buffer, at, count).set(src.subarray(0, count));
}

function zeroF64(ex: Exports, at: number, n: number): void {
  new Float64Array(ex.mem.buffer, at, n).fill(0);
}

/** What a prologue gives: dH (a view of the module's memory) and the float64 sums. */
export interface Prologue {
  /** dH [rows, n]: valid until the next call into this module. */
  g: Float32Array;
  /** Σ_rows dH per channel. */
  db: Float64Array;
  /** Σ_rows dY · h per channel (scale prologue only; else empty). */
  ds: Float64Array;
}

/** dH = fround(dY · slope), db = Σ_rows dH (float64, row order), or null. */
export function geluPrologueWasm(
  d: Float32Array,
  slope: Float32Array,
  m: number,
  n: number,
): Prologue | null {
  const count = m * n;
  const ex = usable(count, n);
  const at = ex === null ? null : regions(ex, [4 * count, 4 * count, 4 * count, 8 * n]);
  if (ex === null || at === null) return null;
  const [dAt, sAt, gAt, dbAt] = at as [number, number, number, number];
  put(ex, d, dAt, count);
  put(ex, slope, sAt, count);
  zeroF64(ex, dbAt, n);
  ex.geluPrologue(dAt, sAt, gAt, dbAt, m, 4 * n);
  return {
    g: new Float32Array(ex.mem.buffer, gAt, count),
    db: new Float64Array(ex.mem.buffer, dbAt, n),
    ds: new Float64Array(0),
  };
}

/**
 * dH = fround(dY · scale), db = Σ_rows dH, ds = Σ_rows dY · h (float64, row order), or null.
 */
export function scalePrologueWasm(
  d: Float32Array,
  h: Float32Array,
  scale: Float32Array,
  m: number,
  n: number,
): Prologue | null {
  const count = m * n;
  const ex = usable(count, n);
  const sizes = [4 * count, 4 * count, 4 * n, 4 * count, 8 * n, 8 * n];
  const at = ex === null ? null : regions(ex, sizes);
  if (ex === null || at === null) return null;
  const [dAt, hAt, sAt, gAt, dbAt, dsAt] = at as [number, number, number, number, number, number];
  put(ex, d, dAt, count);
  put(ex, h, hAt, count);
  put(ex, scale, sAt, n);
  zeroF64(ex, dbAt, n);
  zeroF64(ex, dsAt, n);
  ex.scalePrologue(dAt, hAt, sAt, gAt, dbAt, dsAt, m, 4 * n);
  return {
    g: new Float32Array(ex.mem.buffer, gAt, count),
    db: new Float64Array(ex.mem.buffer, dbAt, n),
    ds: new Float64Array(ex.mem.buffer, dsAt, n),
  };
}

/** db = Σ_rows dY per channel (float64, row order), or null. */
export function biasSumWasm(d: Float32Array, m: number, n: number): Float64Array | null {
  const count = m * n;
  const ex = usable(count, n);
  const at = ex === null ? null : regions(ex, [4 * count, 8 * n]);
  if (ex === null || at === null) return null;
  const [dAt, dbAt] = at as [number, number];
  put(ex, d, dAt, count);
  zeroF64(ex, dbAt, n);
  ex.biasSum(dAt, dbAt, m, 4 * n);
  return new Float64Array(ex.mem.buffer, dbAt, n);
}
