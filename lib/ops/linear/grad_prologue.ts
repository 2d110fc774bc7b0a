/**
 * The fused linear backward's prologue: dH = dY · GELU′ (or · layer scale, or dY itself) and the
 * bias (and scale) gradients summed per channel in float64, rows in order. Runs on the WebAssembly
 * SIMD module (wasm_grad_prologue.ts) where it can, else in the plain-JS loops here, which define
 * the bits both give.
 *
 * @module
 */
import {
  biasSumWasm,
  geluPrologueWasm,
  type Prologue,
  scalePrologueWasm,
} from "./wasm_grad_prologue.ts";

/** Largest dH (floats) kept in the reused scratch array (64 MiB); bigger ones are allocated. */
const SCRATCH_MAX_FLOATS = 1 << 24;
let scratch = new Float32Array(0);

/**
 * `count` floats for dH, which only feeds the backward's two products and never leaves the
 * kernel: one array reused call after call (fresh large arrays cost page faults on every use).
 */
function gradScratch(count: number): Float32Array {
  if (count > SCRATCH_MAX_FLOATS) return new Float32Array(count);
  if (scratch.length < count) scratch = new Float32Array(count);
  return scratch.subarray(0, count);
}

/** dH = fround(dY · slope) into `g`, bias sums into `db` (float64, row order). */
function geluPrologueJs(d: Float32Array, slope: Float32Array, g: Float32Array, db: Float64Array) {
  const n = db.length;
  for (let o = 0; o < g.length; o += n) {
    for (let j = 0; j < n; j++) {
      const v = Math.fround(d[o + j]! * slope[o + j]!);
      g[o + j] = v;
      db[j] = db[j]! + v;
    }
  }
}

/** dH = fround(dY · s) into `g`; bias sums into `db`, Σ dY·h into `ds` (float64, row order). */
function scalePrologueJs(
  d: Float32Array,
  h: Float32Array,
  s: Float32Array,
  g: Float32Array,
  db: Float64Array,
  ds: Float64Array,
) {
  const n = db.length;
  for (let o = 0; o < g.length; o += n) {
    for (let j = 0; j < n; j++) {
      const dj = d[o + j]!;
      ds[j] = ds[j]! + dj * h[o + j]!;
      const v = Math.fround(dj * s[j]!);
      g[o + j] = v;
      db[j] = db[j]! + v;
    }
  }
}

/** Σ_rows d per channel into `db` (float64, row order). */
function biasSumJs(d: Float32Array, db: Float64Array) {
  const n = db.length;
  for (let o = 0; o < d.length; o += n) {
    for (let j = 0; j < n; j++) db[j] = db[j]! + d[o + j]!;
  }
}

/**
 * dH and the float64 bias (and scale) sums of the fused linear backward for dY `d` [m, n], the
 * kept aux (GELU slope, or pre-scale values with `s`): the wasm prologue where it runs, else the
 * JS loops. dH is `d` itself without GELU or scale, else reused memory valid until the next call.
 */
export function prologue(
  d: Float32Array,
  kept: Float32Array | null,
  s: Float32Array | null,
  m: number,
  n: number,
  gelu: boolean,
): Prologue {
  if (gelu) {
    const fast = geluPrologueWasm(d, kept!, m, n);
    if (fast !== null) return fast;
    const out = { g: gradScratch(m * n), db: new Float64Array(n), ds: new Float64Array(0) };
    geluPrologueJs(d, kept!, out.g, out.db);
    return out;
  }
  if (s !== null) {
    const fast = scalePrologueWasm(d, kept!, s, m, n);
    if (fast !== null) return fast;
    const out = { g: gradScratch(m * n), db: new Float64Array(n), ds: new Float64Array(n) };
    scalePrologueJs(d, kept!, s, out.g, out.db, out.ds);
    return out;
  }
  let db = biasSumWasm(d, m, n);
  if (db === null) biasSumJs(d, db = new Float64Array(n));
  return { g: d, db, ds: new Float64Array(0) };
}
