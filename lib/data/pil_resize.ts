/**
 * Image resizing that gives the same bytes as Pillow's `Image.resize` with the BICUBIC or BILINEAR
 * filter on an 8-bit RGB image (what torchvision's `Resize` calls on a PIL image), written from
 * Pillow's definition:
 *
 * - Separable: a horizontal pass over the source rows the vertical pass needs, rounded to uint8,
 *   then a vertical pass, rounded to uint8. A pass whose size does not change is skipped.
 * - Antialiased: when shrinking by a factor `s > 1`, the filter is stretched by `s` (its support
 *   `2 s` for bicubic, `s` for bilinear) and its argument divided by `s`.
 * - For output sample `i`, the centre is `(i + 0.5) * scale` (scale = in / out); the taps are the
 *   inputs `j` in `[trunc(centre - support + 0.5), trunc(centre + support + 0.5))` clamped to the
 *   image, weighted `filter((j - centre + 0.5) · (1 / s))` and normalised to sum 1.
 * - The weights are fixed point with 22 fraction bits, each rounded half away from zero; a pixel is
 *   `(2^21 + Σ w·x) >> 22` clamped to [0, 255].
 * - Bicubic is the Keys cubic with `a = -0.5` (support 2); bilinear is the triangle (support 1).
 *
 * @module
 */
import type { RgbImage } from "./image_decode.ts";

/** The resampling filters {@link pilResize} offers. */
export type ResampleFilter = "bicubic" | "bilinear";

/** The filters, for option lists. */
export const RESAMPLE_FILTERS: readonly ResampleFilter[] = ["bicubic", "bilinear"];

/** Fraction bits of the fixed-point weights (32 bits less 8 for the pixel, less 2 of headroom). */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Keys' cubic convolution kernel with a = -0.5. */
function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** The triangle kernel. */
function triangle(x: number): number {
  const t = Math.abs(x);
  return t < 1 ? 1 - t : 0;
}

const FILTERS: Record<ResampleFilter, { fn: (x: number) => number; support: number }> = {
  bicubic: { fn: bicubic, support: 2 },
  bilinear: { fn: triangle, support: 1 },
};

/** Fixed-point filter taps of one axis: output `i` reads `count[i]` inputs from `start[i]`. */
export interface AxisTaps {
  /** First input index per output sample. */
  start: Int32Array;
  /** Number of inputs per output sample. */
  count: Int32Array;
  /** Weights, `stride` per output sample, fixed point with 22 fraction bits. */
  weights: Int32Array;
  /** Slots per output sample. */
  stride: number;
}

/**
 * The taps mapping `inSize` samples to `outSize` samples along one axis (the whole axis is the
 * source box, as `Image.resize` without `box`).
 * @example
 * ```ts
 * const t = pilAxisTaps(4, 2, "bilinear");
 * if (t.start[0] !== 0 || t.count[0] !== 3) throw new Error("unexpected taps");
 * ```
 */
export function pilAxisTaps(inSize: number, outSize: number, filter: ResampleFilter): AxisTaps {
  const { fn, support: base } = FILTERS[filter];
  const scale = inSize / outSize;
  const stretch = Math.max(1, scale);
  const inv = 1 / stretch; // multiplied, not divided, as Pillow does (same rounding)
  const support = base * stretch;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const w = new Float64Array(stride);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const n = hi - lo;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      w[k] = fn((k + lo - center + 0.5) * inv);
      sum += w[k]!;
    }
    for (let k = 0; k < n; k++) {
      const v = sum !== 0 ? w[k]! / sum : w[k]!;
      weights[i * stride + k] = Math.trunc(v < 0 ? v * ONE - 0.5 : v * ONE + 0.5);
    }
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

/** A fixed-point sum to a byte: `>> 22` (floor), clamped to [0, 255]. */
function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Horizontal pass over rows `[rowLo, rowHi)` of `src` (RGB, width `w`) into `outW` columns. */
function horizontal(
  src: Uint8Array,
  w: number,
  rowLo: number,
  rowHi: number,
  outW: number,
  t: AxisTaps,
): Uint8Array {
  const out = new Uint8Array((rowHi - rowLo) * outW * 3);
  for (let y = rowLo; y < rowHi; y++) {
    const row = y * w * 3;
    const orow = (y - rowLo) * outW * 3;
    for (let x = 0; x < outW; x++) {
      let r = HALF, g = HALF, b = HALF;
      const base = x * t.stride;
      let si = row + t.start[x]! * 3;
      for (let k = 0; k < t.count[x]!; k++, si += 3) {
        const wk = t.weights[base + k]!;
        r += src[si]! * wk;
        g += src[si + 1]! * wk;
        b += src[si + 2]! * wk;
      }
      const o = orow + x * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return out;
}

/** Vertical pass: `src` (RGB, width `w`, first row = source row `rowLo`) into `outH` rows. */
function vertical(
  src: Uint8Array,
  w: number,
  rowLo: number,
  outH: number,
  t: AxisTaps,
): Uint8Array {
  const out = new Uint8Array(outH * w * 3);
  const rowLen = w * 3;
  for (let y = 0; y < outH; y++) {
    const base = y * t.stride;
    const first = (t.start[y]! - rowLo) * rowLen;
    const n = t.count[y]!;
    const orow = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let acc = HALF;
      for (let k = 0, si = first + i; k < n; k++, si += rowLen) {
        acc += src[si]! * t.weights[base + k]!;
      }
      out[orow + i] = clip8(acc);
    }
  }
  return out;
}

/**
 * Resizes an 8-bit RGB image to `width`×`height` as Pillow's `Image.resize(size, filter)` does
 * (bit-exact; see the module notes).
 * @example
 * ```ts
 * const img = { width: 4, height: 2, data: new Uint8Array(24).fill(9) };
 * const out = pilResize(img, 2, 1, "bicubic");
 * if (out.width !== 2 || out.data[0] !== 9) throw new Error("bad resize");
 * ```
 */
export function pilResize(
  img: RgbImage,
  width: number,
  height: number,
  filter: ResampleFilter,
): RgbImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`pilResize: bad output size ${width}x${height}`);
  }
  const { width: w, height: h, data } = img;
  if (w === width && h === height) return { width, height, data: data.slice() };
  const ty = pilAxisTaps(h, height, filter);
  let cur = data;
  let curW = w;
  let rowLo = 0;
  if (width !== w) {
    // only the rows the vertical pass reads (all rows when there is none)
    const hi = height !== h ? ty.start[height - 1]! + ty.count[height - 1]! : h;
    rowLo = height !== h ? ty.start[0]! : 0;
    cur = horizontal(data, w, rowLo, hi, width, pilAxisTaps(w, width, filter));
    curW = width;
  }
  if (height !== h) cur = vertical(cur, curW, rowLo, height, ty);
  return { width, height, data: cur };
}
