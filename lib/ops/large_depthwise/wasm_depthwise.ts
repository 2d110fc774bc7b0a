/**
 * The large-kernel depthwise conv on the WebAssembly SIMD module (wasm_depthwise_module.ts):
 * forward, data gradient (the forward with the filter rotated by 180°) and filter gradient of the
 * stride-1 'same' conv on NHWC float32 arrays, and the sum of several convs of one input plus a
 * bias (the fused decomposed inference op).
 *
 * Each call copies its operands into the shared kernel memory (../_threads/memory.ts), regroups
 * them into planes with the long kernel axis contiguous (`pack`), runs the kernel and writes the
 * result back as NHWC (`unpack`). Packing and unpacking split images, `conv` planes and `dw`
 * channel groups across the kernel threads (../_threads) in fixed parts; each part owns its
 * outputs. One instance per tile shape is reused across calls (the memory grows on demand, never
 * shrinks). Every function returns `null` when WebAssembly SIMD is unavailable or
 * the operands do not fit a 32-bit memory; callers then use the plain-JS kernels.
 *
 * Results depend only on the inputs and on whether the CPU fuses relaxed-simd multiply-add (as
 * for the wasm matmul): the tile shape changes how many exact-zero terms are added, never the order
 * of the real ones, so forward, data and filter gradients are the same for every tile. `conv`
 * takes a range of planes and `dw` a range of channel groups (the reduction over images stays
 * inside one call), so splitting either across threads leaves every result unchanged.
 *
 * @module
 */
import {
  ensureKernelBytes,
  kernelF32,
  kernelInstance,
  kernelMemory,
  MODULE,
  type ModuleSpec,
  runKernelJob,
  TASK,
} from "../_threads/mod.ts";
import type { DepthwiseGeometry } from "./geometry.ts";
import { type DepthwiseTile, linePad } from "./wasm_depthwise_module.ts";

/** Register tile shape without the FMA choice (that follows what validates here). */
export type TileShape = Omit<DepthwiseTile, "fma">;

/**
 * Default register tile: 7 outputs (or taps) along the long axis × 1 f32x4 (4 channels): 15
 * vector registers (7 accumulators, 7 window inputs, 1 filter block). SLaK's maps (56, 28, 14, 7)
 * are multiples of 7, so no tile computes outputs past the image; 3 × 2 f32x4 measured within a
 * few per cent of it.
 */
export const DEFAULT_TILE: TileShape = { r: 7, v: 1 };

type Fn = (...args: number[]) => void;

interface Exports {
  /** The module spec (for parallel jobs). */
  spec: ModuleSpec;
  pack: Fn;
  unpack: Fn;
  padLines: Fn;
  conv: Fn;
  dw: Fn;
  demote: Fn;
}

/** The module spec of a tile shape: with fused multiply-add where it validates, else without. */
function specFor(shape: TileShape): ModuleSpec | null {
  for (const fma of [true, false]) {
    const s: ModuleSpec = { kind: MODULE.depthwise, a: shape.r, b: shape.v, fma };
    if (kernelInstance(s) !== null) return s;
  }
  return null;
}

/** The calling thread's instance of the module for a tile shape, or null when unavailable. */
function moduleFor(shape: TileShape): Exports | null {
  const s = specFor(shape);
  if (s === null) return null;
  return { ...(kernelInstance(s) as unknown as Omit<Exports, "spec">), spec: s };
}

/** What the wasm depthwise path can use here: SIMD at all, and relaxed-simd fused multiply-add. */
export function wasmDepthwiseSupport(): { simd: boolean; fma: boolean } {
  const s = specFor(DEFAULT_TILE);
  return { simd: s !== null, fma: s?.fma ?? false };
}

const ALIGN = 64;
/** Bytes readable past a staged NHWC array (the last pixel's partial channel group). */
const SLACK = 64;

/** Bump allocator of 64-byte aligned regions in the module's memory. */
class Layout {
  end = ALIGN;
  take(bytes: number): number {
    const at = this.end;
    this.end = Math.ceil((at + bytes) / ALIGN) * ALIGN;
    return at;
  }
}

/** How one conv maps onto planes: the long axis A, line padding and byte sizes. */
interface PlaneMap {
  g: DepthwiseGeometry;
  alongH: boolean;
  lenA: number;
  lenB: number;
  kA: number;
  kB: number;
  pA: number;
  pB: number;
  /** Channel groups of 4V. */
  groups: number;
  /** Bytes of one pixel block (16V). */
  pb: number;
  pad: number;
  rowBytes: number;
  /** Bytes of one plane (one image, one group). */
  planeBytes: number;
}

function planeMap(g: DepthwiseGeometry, t: TileShape): PlaneMap {
  const alongH = g.kh > g.kw;
  const pad = linePad(t);
  const pb = 16 * t.v;
  const [lenA, lenB] = alongH ? [g.h, g.w] : [g.w, g.h];
  const rowBytes = (lenA + 2 * pad) * pb;
  return {
    g,
    alongH,
    lenA,
    lenB,
    kA: alongH ? g.kh : g.kw,
    kB: alongH ? g.kw : g.kh,
    pA: alongH ? g.ph : g.pw,
    pB: alongH ? g.pw : g.ph,
    groups: Math.ceil(g.c / (4 * t.v)),
    pb,
    pad,
    rowBytes,
    planeBytes: lenB * rowBytes,
  };
}

/** Bytes of all activation planes of a conv. */
function activationBytes(m: PlaneMap): number {
  return m.g.n * m.groups * m.planeBytes;
}

/**
 * Arguments of pack/unpack between the NHWC array at `nhwc` and the planes at `planes`: NHWC is
 * walked in memory order (h outer, w inner), which is B then A along W, A then B along H.
 */
function activationTransfer(m: PlaneMap, nhwc: number, planes: number): number[] {
  const { g, pb, rowBytes } = m;
  const c4 = 4 * g.c;
  const [pO, pI] = m.alongH ? [pb, rowBytes] : [rowBytes, pb];
  const first = planes + m.pad * pb;
  return [nhwc, first, g.n, m.groups, g.h, g.w * c4, pO, g.w, c4, pI, g.h * g.w * c4];
}

/** Runs `pack` (0) or `unpack` (1) with these 16 arguments, images split across threads. */
function transferImages(ex: Exports, which: number, args: number[], m: PlaneMap): void {
  const work = m.g.h * m.g.w * m.groups * 4;
  runKernelJob(ex.spec, TASK.layoutImages, [which, ...args], m.g.n, work * m.g.n);
}

function packActivation(ex: Exports, m: PlaneMap, nhwc: number, planes: number): void {
  ex.padLines(planes, m.g.n * m.groups * m.lenB, m.rowBytes, m.pad * m.pb);
  const a = activationTransfer(m, nhwc, planes);
  transferImages(ex, 0, [...a, m.groups * m.planeBytes, m.planeBytes, m.g.c, 0, 0], m);
}

function unpackActivation(
  ex: Exports,
  m: PlaneMap,
  planes: number,
  nhwc: number,
  mode: number,
  bias: number,
): void {
  const a = activationTransfer(m, nhwc, planes);
  transferImages(ex, 1, [...a, m.groups * m.planeBytes, m.planeBytes, m.g.c, mode, bias], m);
}

/** Bytes of the filter planes [G][kB][kA][4V]. */
function filterBytes(m: PlaneMap): number {
  return m.groups * m.kB * m.kA * m.pb;
}

/**
 * Packs the [kh,kw,C] filter staged at `nhwc` into [G][kB][kA][4V] at `planes`, rotated by 180°
 * when `rotate` (walking the source backwards from its last tap).
 */
function packFilter(ex: Exports, m: PlaneMap, nhwc: number, planes: number, rotate: boolean) {
  const { g, pb } = m;
  const c4 = 4 * g.c;
  const [pO, pI] = m.alongH ? [pb, m.kA * pb] : [m.kA * pb, pb];
  const last = nhwc + (g.kh * g.kw - 1) * c4;
  const [src, nO, nI] = rotate ? [last, -g.kw * c4, -c4] : [nhwc, g.kw * c4, c4];
  const gBytes = m.kB * m.kA * pb;
  ex.pack(src, planes, 1, m.groups, g.kh, nO, pO, g.kw, nI, pI, 0, 0, gBytes, g.c, 0, 0);
}

function runConv(ex: Exports, m: PlaneMap, x: number, f: number, y: number): void {
  const planes = m.g.n * m.groups;
  const args = [x, f, y, m.groups, m.lenA, m.lenB, m.kA, m.kB, m.pA, m.pB];
  const work = m.lenA * m.lenB * m.kA * m.kB * 4 * (m.pb / 16);
  runKernelJob(ex.spec, TASK.conv, args, planes, work * planes);
}

/** Copies `src` (its first `count` floats) into the module's memory at byte offset `at`. */
function stage(src: Float32Array, at: number, count: number): void {
  kernelF32().set(src.subarray(0, count), at / 4);
}

/** A fresh array with `count` floats from byte offset `at` of the module's memory. */
function readBack(at: number, count: number): Float32Array {
  const out = new Float32Array(count);
  out.set(kernelF32().subarray(at / 4, at / 4 + count));
  return out;
}

/** Long-axis taps rounded up to whole register tiles (the filter-gradient sums' row length). */
function paddedTaps(m: PlaneMap, t: TileShape): number {
  return Math.ceil(m.kA / t.r) * t.r;
}

/** float64 sums of the filter gradient: [G][kB][kAp][4V]. */
function filterSumCount(m: PlaneMap, t: TileShape): number {
  return m.groups * m.kB * paddedTaps(m, t) * 4 * t.v;
}

/**
 * dW from the packed x at `xp` and dy at `dp`: zeroed float64 sums at `sumsAt`, the `dw` kernel
 * over channel groups, the sums rounded to float32 in place and regrouped [G][kB][kAp][4V] →
 * [kh][kw][C] at `nhwc` (unused taps dropped), read back as a fresh array.
 */
function filterGradient(
  ex: Exports,
  m: PlaneMap,
  shape: TileShape,
  xp: number,
  dp: number,
  sumsAt: number,
  nhwc: number,
): Float32Array {
  const g = m.g;
  const kAp = paddedTaps(m, shape);
  const sumCount = filterSumCount(m, shape);
  new Float64Array(kernelMemory().memory.buffer, sumsAt, sumCount).fill(0);
  const dwArgs = [xp, dp, sumsAt, g.n, m.groups, m.lenA, m.lenB, m.kA, m.kB, m.pA, m.pB];
  const dwWork = g.n * m.groups * m.lenA * m.lenB * m.kA * m.kB * 4 * shape.v;
  runKernelJob(ex.spec, TASK.dw, dwArgs, m.groups, dwWork);
  ex.demote(sumsAt, sumsAt, sumCount);
  const c4 = 4 * g.c;
  const [pO, pI] = m.alongH ? [m.pb, kAp * m.pb] : [kAp * m.pb, m.pb];
  const gBytes = m.kB * kAp * m.pb;
  ex.unpack(nhwc, sumsAt, 1, m.groups, g.kh, g.kw * c4, pO, g.kw, c4, pI, 0, 0, gBytes, g.c, 0, 0);
  return readBack(nhwc, g.kh * g.kw * g.c);
}

/**
 * y = depthwise_conv(x, filter) (filter rotated by 180° when `rotate`: the data gradient), NHWC,
 * or null when the wasm path is unavailable.
 */
export function depthwiseForwardWasm(
  x: Float32Array,
  filter: Float32Array,
  g: DepthwiseGeometry,
  rotate = false,
  shape: TileShape = DEFAULT_TILE,
): Float32Array | null {
  const ex = moduleFor(shape);
  if (ex === null) return null;
  const size = g.n * g.h * g.w * g.c;
  if (size === 0) return new Float32Array(0);
  const m = planeMap(g, shape);
  const taps = g.kh * g.kw * g.c;
  const L = new Layout();
  const xStage = L.take(4 * size + SLACK);
  const fStage = L.take(4 * taps + SLACK);
  const xp = L.take(activationBytes(m));
  const yp = L.take(activationBytes(m));
  const fp = L.take(filterBytes(m));
  if (!ensureKernelBytes(L.end)) return null;
  stage(x, xStage, size);
  stage(filter, fStage, taps);
  packActivation(ex, m, xStage, xp);
  packFilter(ex, m, fStage, fp, rotate);
  runConv(ex, m, xp, fp, yp);
  unpackActivation(ex, m, yp, xStage, 0, 0);
  return readBack(xStage, size);
}

/** dx = conv(dy, rot180(filter)) on the wasm kernels, or null when unavailable. */
export function depthwiseBackpropInputWasm(
  dy: Float32Array,
  filter: Float32Array,
  g: DepthwiseGeometry,
  shape: TileShape = DEFAULT_TILE,
): Float32Array | null {
  return depthwiseForwardWasm(dy, filter, g, true, shape);
}

/** dW [kh, kw, C] (flattened) of the conv on the wasm kernels, or null when unavailable. */
export function depthwiseBackpropFilterWasm(
  x: Float32Array,
  dy: Float32Array,
  g: DepthwiseGeometry,
  shape: TileShape = DEFAULT_TILE,
): Float32Array | null {
  const ex = moduleFor(shape);
  if (ex === null) return null;
  const size = g.n * g.h * g.w * g.c;
  if (size === 0) return new Float32Array(g.kh * g.kw * g.c);
  const m = planeMap(g, shape);
  const sumCount = filterSumCount(m, shape);
  const L = new Layout();
  const nhwc = L.take(4 * Math.max(size, g.kh * g.kw * g.c) + SLACK);
  const xp = L.take(activationBytes(m));
  const dp = L.take(activationBytes(m));
  const sumsAt = L.take(8 * sumCount);
  if (!ensureKernelBytes(L.end)) return null;
  stage(x, nhwc, size);
  packActivation(ex, m, nhwc, xp);
  stage(dy, nhwc, size);
  packActivation(ex, m, nhwc, dp);
  return filterGradient(ex, m, shape, xp, dp, sumsAt, nhwc);
}

/** Both gradients of the conv: dx [n,h,w,c] and dW [kh,kw,c] (flattened). */
export interface DepthwiseGrads {
  dx: Float32Array;
  dw: Float32Array;
}

/**
 * dx and dW of the conv in one call, dy staged and packed once for both (the two separate calls
 * pack it twice), or null when the wasm path is unavailable. Every kernel runs on the same packed
 * operands, with the same splits, as in {@link depthwiseBackpropInputWasm} and
 * {@link depthwiseBackpropFilterWasm}, so both results have their bits.
 */
export function depthwiseBackpropWasm(
  x: Float32Array,
  dy: Float32Array,
  filter: Float32Array,
  g: DepthwiseGeometry,
  shape: TileShape = DEFAULT_TILE,
): DepthwiseGrads | null {
  const ex = moduleFor(shape);
  if (ex === null) return null;
  const size = g.n * g.h * g.w * g.c;
  const taps = g.kh * g.kw * g.c;
  if (size === 0) return { dx: new Float32Array(0), dw: new Float32Array(taps) };
  const m = planeMap(g, shape);
  const sumCount = filterSumCount(m, shape);
  const L = new Layout();
  const nhwc = L.take(4 * Math.max(size, taps) + SLACK);
  const fStage = L.take(4 * taps + SLACK);
  const dp = L.take(activationBytes(m));
  const xp = L.take(activationBytes(m));
  const yp = L.take(activationBytes(m));
  const fp = L.take(filterBytes(m));
  const sumsAt = L.take(8 * sumCount);
  if (!ensureKernelBytes(L.end)) return null;
  stage(dy, nhwc, size);
  packActivation(ex, m, nhwc, dp);
  stage(filter, fStage, taps);
  packFilter(ex, m, fStage, fp, true);
  runConv(ex, m, dp, fp, yp);
  unpackActivation(ex, m, yp, nhwc, 0, 0);
  const dx = readBack(nhwc, size);
  stage(x, nhwc, size);
  packActivation(ex, m, nhwc, xp);
  return { dx, dw: filterGradient(ex, m, shape, xp, dp, sumsAt, nhwc) };
}

/** One conv of a sum: its [kh,kw,C] filter and geometry (all with the same input shape). */
export interface ConvTerm {
  /** [kh, kw, C] filter values. */
  filter: Float32Array;
  /** Geometry of this conv (x's shape and this filter's kernel size). */
  g: DepthwiseGeometry;
}

/**
 * y = ((conv(x, f_0) + conv(x, f_1)) + …) + bias, NHWC, or null when the wasm path is
 * unavailable. Each term runs along its own long axis; the input is packed once per axis.
 */
export function depthwiseSumWasm(
  x: Float32Array,
  terms: readonly ConvTerm[],
  bias: Float32Array | null,
  shape: TileShape = DEFAULT_TILE,
): Float32Array | null {
  const ex = moduleFor(shape);
  const first = terms[0];
  if (ex === null || first === undefined) return null;
  const g0 = first.g;
  const size = g0.n * g0.h * g0.w * g0.c;
  if (size === 0) return new Float32Array(0);
  const maps = terms.map((t) => planeMap(t.g, shape));
  const groups = maps[0]!.groups;
  const L = new Layout();
  const xStage = L.take(4 * size + SLACK);
  const yStage = L.take(4 * size + SLACK);
  const fStage = L.take(Math.max(...terms.map((t) => 4 * t.g.kh * t.g.kw * t.g.c)) + SLACK);
  const biasAt = L.take(groups * 16 * shape.v);
  const xpW = L.take(Math.max(...maps.map(activationBytes)));
  const xpH = L.take(Math.max(...maps.map(activationBytes)));
  const yp = L.take(Math.max(...maps.map(activationBytes)));
  const fp = L.take(Math.max(...maps.map(filterBytes)));
  if (!ensureKernelBytes(L.end)) return null;
  stage(x, xStage, size);
  if (bias !== null) {
    const b = kernelF32().subarray(biasAt / 4, biasAt / 4 + groups * 4 * shape.v);
    b.fill(0);
    b.set(bias.subarray(0, g0.c));
  }
  const packed = new Set<boolean>();
  terms.forEach((term, i) => {
    const m = maps[i]!;
    const xp = m.alongH ? xpH : xpW;
    if (!packed.has(m.alongH)) packActivation(ex, m, xStage, xp);
    packed.add(m.alongH);
    stage(term.filter, fStage, term.g.kh * term.g.kw * term.g.c);
    packFilter(ex, m, fStage, fp, false);
    runConv(ex, m, xp, fp, yp);
    const mode = (i > 0 ? 1 : 0) | (bias !== null && i === terms.length - 1 ? 2 : 0);
    unpackActivation(ex, m, yp, yStage, mode, biasAt);
  });
  return readBack(yStage, size);
}
