/**
 * Resizing as mmseg's pipelines do it through mmcv and OpenCV, and as PyTorch resizes logits.
 *
 * - {@link rescaleSize}: mmcv `rescale_size` for a (long, short) scale tuple: factor
 *   `min(long / max(h, w), short / min(h, w))`, new size `int(w * factor + 0.5)` ×
 *   `int(h * factor + 0.5)` (round half up).
 * - {@link resizeBilinearU8}: OpenCV `INTER_LINEAR` on 8-bit images, its fixed-point path:
 *   source x = `float((dx + 0.5) * sw / dw − 0.5)`, floored; the fraction `f` gives weights
 *   `round_half_even((1 − f) · 2048)` and `round_half_even(f · 2048)` (11 bits); columns left of 0
 *   or right of the last use the edge pixel alone; rows are clamped to the image; the vertical pass
 *   is `((b0 · (S0 >> 4)) >> 16) + ((b1 · (S1 >> 4)) >> 16) + 2) >> 2`, clamped to 0..255. No
 *   antialiasing. (`cv2.resize` switches an exact 2× downscale to `INTER_AREA`, whose rounded
 *   2×2 mean `(a + b + c + d + 2) >> 2` is what these weights (exactly ½) give as well.)
 * - {@link resizeNearestU8}: OpenCV `INTER_NEAREST` (what mmcv's `"nearest"` means):
 *   source x = `min(floor(dx · sw / dw), sw − 1)` (top-left aligned, not centred).
 * - {@link resizeLogitsBilinear}: `F.interpolate(mode="bilinear", align_corners=False)` on float
 *   HWC maps (source `max(0, (d + 0.5) · in / out − 0.5)`), in double precision.
 *
 * @module
 */
import type { LabelMap, SegImage } from "./types.ts";

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/** Round half to even (C's `lrint` in the default mode, OpenCV's `cvRound`). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A target size and the factor that produced it. */
export interface RescaledSize {
  /** New width. */
  width: number;
  /** New height. */
  height: number;
  /** The scale factor applied to both sides. */
  factor: number;
}

/**
 * mmcv `rescale_size(old_size, scale)` for a tuple scale: the largest size with the same aspect
 * ratio whose long side fits `max(scale)` and short side fits `min(scale)`.
 * @example
 * ```ts
 * const s = rescaleSize(683, 512, [2048, 512]);
 * if (s.width !== 683 || s.height !== 512) throw new Error("should keep a fitting size");
 * ```
 */
export function rescaleSize(width: number, height: number, scale: [number, number]): RescaledSize {
  const long = Math.max(scale[0], scale[1]);
  const short = Math.min(scale[0], scale[1]);
  const factor = Math.min(long / Math.max(height, width), short / Math.min(height, width));
  return {
    width: Math.floor(width * factor + 0.5),
    height: Math.floor(height * factor + 0.5),
    factor,
  };
}

interface LinearTaps {
  /** Left source index per output. */
  index: Int32Array;
  /** Fixed-point weight of the left sample. */
  w0: Int32Array;
  /** Fixed-point weight of the right sample. */
  w1: Int32Array;
}

/** Horizontal taps: out-of-range sources collapse onto the edge pixel with weight 2048. */
function columnTaps(inN: number, outN: number): LinearTaps {
  const scale = 1 / (outN / inN);
  const index = new Int32Array(outN);
  const w0 = new Int32Array(outN);
  const w1 = new Int32Array(outN);
  for (let d = 0; d < outN; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) {
      f = 0;
      s = 0;
    }
    if (s >= inN - 1) {
      f = 0;
      s = inN - 1;
    }
    index[d] = s;
    w0[d] = roundHalfEven(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = roundHalfEven(f * COEF_SCALE);
  }
  return { index, w0, w1 };
}

/** Vertical taps: the fraction is kept and the rows are clamped when read. */
function rowTaps(inN: number, outN: number): LinearTaps {
  const scale = 1 / (outN / inN);
  const index = new Int32Array(outN);
  const w0 = new Int32Array(outN);
  const w1 = new Int32Array(outN);
  for (let d = 0; d < outN; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    const s = Math.floor(f);
    f = Math.fround(f - s);
    index[d] = s;
    w0[d] = roundHalfEven(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = roundHalfEven(f * COEF_SCALE);
  }
  return { index, w0, w1 };
}

/**
 * Resizes an 8-bit image to `width`×`height` as OpenCV's `INTER_LINEAR` (module notes).
 * @example
 * ```ts
 * const img = { width: 2, height: 1, channels: 1, data: new Uint8Array([0, 200]) };
 * const out = resizeBilinearU8(img, 4, 1);
 * if (out.data.join() !== "0,50,150,200") throw new Error("bilinear upscale is wrong");
 * ```
 */
export function resizeBilinearU8(img: SegImage, width: number, height: number): SegImage {
  const { width: sw, height: sh, channels: c, data } = img;
  if (width === sw && height === sh) {
    return { width, height, channels: c, data: data.slice() };
  }
  const tx = columnTaps(sw, width);
  const ty = rowTaps(sh, height);
  // Horizontal pass over every source row (int buffers, values scaled by 2048).
  const rows = new Int32Array(sh * width * c);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < width; x++) {
      const s = tx.index[x]!;
      const a0 = tx.w0[x]!;
      const a1 = tx.w1[x]!;
      const p0 = (y * sw + s) * c;
      const p1 = s + 1 < sw ? p0 + c : p0;
      const o = (y * width + x) * c;
      for (let k = 0; k < c; k++) rows[o + k] = data[p0 + k]! * a0 + data[p1 + k]! * a1;
    }
  }
  const out = new Uint8Array(width * height * c);
  const rowLen = width * c;
  for (let y = 0; y < height; y++) {
    const s = ty.index[y]!;
    const r0 = Math.min(Math.max(s, 0), sh - 1) * rowLen;
    const r1 = Math.min(Math.max(s + 1, 0), sh - 1) * rowLen;
    const b0 = ty.w0[y]!;
    const b1 = ty.w1[y]!;
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const v = (((b0 * (rows[r0 + i]! >> 4)) >> 16) + ((b1 * (rows[r1 + i]! >> 4)) >> 16) + 2) >>
        2;
      out[o + i] = v > 255 ? 255 : v;
    }
  }
  return { width, height, channels: c, data: out };
}

function nearestIndex(inN: number, outN: number): Int32Array {
  const scale = 1 / (outN / inN);
  const idx = new Int32Array(outN);
  for (let d = 0; d < outN; d++) idx[d] = Math.min(Math.floor(d * scale), inN - 1);
  return idx;
}

/**
 * Resizes a label map to `width`×`height` as OpenCV's `INTER_NEAREST` (module notes).
 * @example
 * ```ts
 * const out = resizeNearestU8({ width: 3, height: 1, data: new Uint8Array([1, 2, 3]) }, 2, 1);
 * if (out.data.join() !== "1,2") throw new Error("nearest must floor dx * 3 / 2");
 * ```
 */
export function resizeNearestU8(label: LabelMap, width: number, height: number): LabelMap {
  const ix = nearestIndex(label.width, width);
  const iy = nearestIndex(label.height, height);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = iy[y]! * label.width;
    for (let x = 0; x < width; x++) out[y * width + x] = label.data[row + ix[x]!]!;
  }
  return { width, height, data: out };
}

/**
 * Resizes a float HWC map (`channels` values per pixel) bilinearly with PyTorch's
 * `align_corners=False` rule; used to bring averaged logits back to the original image size.
 * @example
 * ```ts
 * const out = resizeLogitsBilinear(new Float32Array([0, 4]), 1, 2, 1, 1, 4);
 * if (out.join() !== "0,1,3,4") throw new Error("align_corners=False upscale is wrong");
 * ```
 */
export function resizeLogitsBilinear(
  src: Float32Array,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  const out = new Float32Array(outHeight * outWidth * channels);
  const axis = (inN: number, outN: number) => {
    const i0 = new Int32Array(outN);
    const i1 = new Int32Array(outN);
    const l1 = new Float64Array(outN);
    const scale = inN / outN;
    for (let d = 0; d < outN; d++) {
      const s = Math.max(0, (d + 0.5) * scale - 0.5);
      const lo = Math.min(Math.floor(s), inN - 1);
      i0[d] = lo;
      i1[d] = lo < inN - 1 ? lo + 1 : lo;
      l1[d] = s - lo;
    }
    return { i0, i1, l1 };
  };
  const ax = axis(width, outWidth);
  const ay = axis(height, outHeight);
  for (let y = 0; y < outHeight; y++) {
    const wy = ay.l1[y]!;
    const r0 = ay.i0[y]! * width;
    const r1 = ay.i1[y]! * width;
    for (let x = 0; x < outWidth; x++) {
      const wx = ax.l1[x]!;
      const a = (r0 + ax.i0[x]!) * channels;
      const b = (r0 + ax.i1[x]!) * channels;
      const cc = (r1 + ax.i0[x]!) * channels;
      const d = (r1 + ax.i1[x]!) * channels;
      const o = (y * outWidth + x) * channels;
      for (let k = 0; k < channels; k++) {
        const top = (1 - wx) * src[a + k]! + wx * src[b + k]!;
        const bottom = (1 - wx) * src[cc + k]! + wx * src[d + k]!;
        out[o + k] = (1 - wy) * top + wy * bottom;
      }
    }
  }
  return out;
}
