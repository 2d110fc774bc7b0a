/**
 * Resizing for ImageFolder: scale so the shorter side equals `size`, then take the central
 * `size`×`size` square. Separable triangle (bilinear) filter whose support widens with the
 * downscale factor, so shrinking averages instead of aliasing (as PIL's antialiased bilinear).
 *
 * @module
 */
import type { RgbImage } from "./image_decode.ts";

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  width: number;
}

/** Filter taps mapping `outN` output samples (starting at `offset`) to `inN` inputs at `scale`. */
function taps(inN: number, outN: number, scale: number, offset: number): Taps {
  const support = Math.max(1, 1 / scale);
  const width = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outN);
  const count = new Int32Array(outN);
  const weights = new Float32Array(outN * width);
  for (let o = 0; o < outN; o++) {
    const center = (o + offset + 0.5) / scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inN, Math.ceil(center + support));
    let sum = 0;
    let k = 0;
    for (let i = lo; i < hi && k < width; i++, k++) {
      const t = Math.max(0, 1 - Math.abs((i + 0.5 - center) / support));
      weights[o * width + k] = t;
      sum += t;
    }
    if (sum === 0) {
      const nearest = Math.min(inN - 1, Math.max(0, Math.floor(center)));
      start[o] = nearest;
      count[o] = 1;
      weights[o * width] = 1;
      continue;
    }
    for (let j = 0; j < k; j++) weights[o * width + j]! /= sum;
    start[o] = lo;
    count[o] = k;
  }
  return { start, count, weights, width };
}

/**
 * Resizes `img` so its shorter side is `size` and returns the central `size`×`size` crop (RGB).
 * @example
 * ```ts
 * const out = resizeCenterCrop({ width: 4, height: 2, data: new Uint8Array(24).fill(7) }, 2);
 * if (out.length !== 12 || out[0] !== 7) throw new Error("bad resize");
 * ```
 */
export function resizeCenterCrop(img: RgbImage, size: number): Uint8Array {
  const { width: w, height: h, data } = img;
  const scale = size / Math.min(w, h);
  const sw = Math.max(size, Math.round(w * scale));
  const sh = Math.max(size, Math.round(h * scale));
  const ox = Math.floor((sw - size) / 2);
  const oy = Math.floor((sh - size) / 2);
  const tx = taps(w, size, sw / w, ox);
  const ty = taps(h, size, sh / h, oy);
  // Horizontal pass over the source rows the vertical taps use.
  const rowLo = ty.start[0]!;
  const rowHi = ty.start[size - 1]! + ty.count[size - 1]!;
  const tmp = new Float32Array((rowHi - rowLo) * size * 3);
  for (let y = rowLo; y < rowHi; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0;
      const s0 = tx.start[x]!;
      for (let k = 0; k < tx.count[x]!; k++) {
        const wgt = tx.weights[x * tx.width + k]!;
        const si = (y * w + s0 + k) * 3;
        r += wgt * data[si]!;
        g += wgt * data[si + 1]!;
        b += wgt * data[si + 2]!;
      }
      const ti = ((y - rowLo) * size + x) * 3;
      tmp[ti] = r;
      tmp[ti + 1] = g;
      tmp[ti + 2] = b;
    }
  }
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const s0 = ty.start[y]!;
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < ty.count[y]!; k++) {
          v += ty.weights[y * ty.width + k]! * tmp[((s0 + k - rowLo) * size + x) * 3 + c]!;
        }
        out[(y * size + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return out;
}
