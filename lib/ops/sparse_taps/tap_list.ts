/**
 * Per-channel lists of the non-zero taps of a (merged) depthwise kernel: the data the sparse-tap
 * conv runs on. Kernels of any odd sides are summed on a common centre, so the two kernels of the
 * merged decomposed form become one list per channel. Taps that can never touch an H×W input
 * (|dy| >= H or |dx| >= W) are dropped.
 *
 * @module
 */
import { depthwiseGeometry, effectiveTaps1d } from "../large_depthwise/geometry.ts";

/** One depthwise kernel in tfjs layout [kh, kw, C] (flattened). */
export interface TapKernel {
  /** Kernel values, [kh, kw, C] row-major. */
  data: Float32Array;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
}

/** Non-zero taps, channel-major (CSR): channel c owns taps start[c] .. start[c+1]-1. */
export interface TapList {
  /** Channels. */
  c: number;
  /** [C + 1] offsets into dy / dx / w. */
  start: Int32Array;
  /** Row offset of each tap from the output position. */
  dy: Int32Array;
  /** Column offset of each tap from the output position. */
  dx: Int32Array;
  /** Tap weights. */
  w: Float32Array;
  /** Largest |dy| over all taps (0 when there are none). */
  maxDy: number;
  /** Largest |dx| over all taps (0 when there are none). */
  maxDx: number;
  /** Number of positions of the dense kernels the list came from (Σ kh·kw·C). */
  denseTaps: number;
}

/** Options of {@link buildTapList}. */
export interface TapListOptions {
  /** Input height: taps with |dy| >= h are dropped. */
  h?: number;
  /** Input width: taps with |dx| >= w are dropped. */
  w?: number;
}

/**
 * Builds the per-channel tap lists of Σ kernels (each centred). Exact zeros (after summing) are
 * skipped; taps are ordered by row, then column.
 */
export function buildTapList(
  kernels: readonly TapKernel[],
  c: number,
  opts: TapListOptions = {},
): TapList {
  const KH = Math.max(...kernels.map((k) => k.kh));
  const KW = Math.max(...kernels.map((k) => k.kw));
  for (const k of kernels) {
    if (k.kh % 2 !== 1 || k.kw % 2 !== 1 || k.data.length !== k.kh * k.kw * c) {
      throw new Error(
        `buildTapList: kernel ${k.kh}x${k.kw} must have odd sides and ${k.kh * k.kw * c} values`,
      );
    }
  }
  const ph = KH >> 1;
  const pw = KW >> 1;
  const grid = new Float32Array(KH * KW * c);
  for (const k of kernels) {
    const oy = (KH - k.kh) >> 1;
    const ox = (KW - k.kw) >> 1;
    for (let y = 0; y < k.kh; y++) {
      for (let x = 0; x < k.kw; x++) {
        const s = (y * k.kw + x) * c;
        const d = ((y + oy) * KW + x + ox) * c;
        for (let j = 0; j < c; j++) grid[d + j] = grid[d + j]! + k.data[s + j]!;
      }
    }
  }
  const limH = opts.h ?? Infinity;
  const limW = opts.w ?? Infinity;
  const keep = (y: number, x: number) => Math.abs(y - ph) < limH && Math.abs(x - pw) < limW;
  const start = new Int32Array(c + 1);
  for (let j = 0; j < c; j++) {
    let count = 0;
    for (let y = 0; y < KH; y++) {
      for (let x = 0; x < KW; x++) if (grid[(y * KW + x) * c + j] !== 0 && keep(y, x)) count++;
    }
    start[j + 1] = start[j]! + count;
  }
  const total = start[c]!;
  const dy = new Int32Array(total);
  const dx = new Int32Array(total);
  const w = new Float32Array(total);
  let maxDy = 0;
  let maxDx = 0;
  for (let j = 0; j < c; j++) {
    let t = start[j]!;
    for (let y = 0; y < KH; y++) {
      for (let x = 0; x < KW; x++) {
        const v = grid[(y * KW + x) * c + j]!;
        if (v === 0 || !keep(y, x)) continue;
        dy[t] = y - ph;
        dx[t] = x - pw;
        w[t] = v;
        maxDy = Math.max(maxDy, Math.abs(y - ph));
        maxDx = Math.max(maxDx, Math.abs(x - pw));
        t++;
      }
    }
  }
  const denseTaps = kernels.reduce((a, k) => a + k.kh * k.kw * c, 0);
  return { c, start, dy, dx, w, maxDy, maxDx, denseTaps };
}

/** Fraction of the dense kernels' positions that are listed taps. */
export function tapDensity(t: TapList): number {
  return t.denseTaps === 0 ? 0 : t.w.length / t.denseTaps;
}

/**
 * Estimated work of the sparse path relative to the dense fused op on an H×W input: the sparse
 * kernel does every listed tap at every output (padding included), the dense one only the
 * in-image taps of each kernel.
 */
export function sparseWorkRatio(
  t: TapList,
  kernels: readonly { kh: number; kw: number }[],
  h: number,
  w: number,
): number {
  let dense = 0;
  for (const k of kernels) {
    depthwiseGeometry([1, h, w, t.c], [k.kh, k.kw, t.c, 1]);
    dense += effectiveTaps1d(h, k.kh) * effectiveTaps1d(w, k.kw) * t.c;
  }
  return dense === 0 ? 0 : (t.w.length * h * w) / dense;
}
