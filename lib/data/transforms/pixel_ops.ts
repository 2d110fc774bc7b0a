/**
 * Pixel-wise image operations on 8-bit RGB images as Pillow computes them (what timm's RandAugment
 * and torchvision's ColorJitter call): lookup-table ops (invert, posterize, solarize, solarize-add,
 * per-channel auto-contrast and equalize), and the `ImageEnhance` family (colour, contrast,
 * brightness, sharpness), each a blend `degenerate + f·(image − degenerate)` with a
 * degenerate image that depends on the op. Every function is pure: it returns a new image.
 *
 * @module
 */
import type { RgbImage } from "../image_decode.ts";

/** Applies a 256-entry table per channel (`lut[c * 256 + v]`, or one table for all channels). */
export function applyLut(img: RgbImage, lut: Uint8Array): RgbImage {
  const src = img.data;
  const out = new Uint8Array(src.length);
  const perChannel = lut.length === 768;
  for (let i = 0; i < src.length; i += 3) {
    for (let c = 0; c < 3; c++) out[i + c] = lut[(perChannel ? c * 256 : 0) + src[i + c]!]!;
  }
  return { width: img.width, height: img.height, data: out };
}

function lutOf(f: (v: number) => number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = f(v);
  return lut;
}

/** `255 − v` (Pillow's `ImageOps.invert`). */
export function invert(img: RgbImage): RgbImage {
  return applyLut(img, lutOf((v) => 255 - v));
}

/** Keeps the `bits` most significant bits of every value (`ImageOps.posterize`); 8 = unchanged. */
export function posterize(img: RgbImage, bits: number): RgbImage {
  if (bits >= 8) return { ...img, data: img.data.slice() };
  const mask = ~((1 << (8 - bits)) - 1) & 0xff;
  return applyLut(img, lutOf((v) => v & mask));
}

/** Values at or above `threshold` become `255 − v` (`ImageOps.solarize`). */
export function solarize(img: RgbImage, threshold: number): RgbImage {
  return applyLut(img, lutOf((v) => (v >= threshold ? 255 - v : v)));
}

/** Values below `threshold` get `add` added, capped at 255 (timm's `solarize_add`). */
export function solarizeAdd(img: RgbImage, add: number, threshold = 128): RgbImage {
  return applyLut(img, lutOf((v) => (v < threshold ? Math.min(255, v + add) : v)));
}

function histograms(img: RgbImage): Int32Array {
  const h = new Int32Array(768);
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    h[d[i]!]!++;
    h[256 + d[i + 1]!]!++;
    h[512 + d[i + 2]!]!++;
  }
  return h;
}

/**
 * Per channel, stretches [lowest value present, highest value present] to [0, 255]
 * (`ImageOps.autocontrast` with cutoff 0): `v ↦ clamp(trunc(v·s − lo·s))`, `s = 255 / (hi − lo)`;
 * a channel with a single value is left as it is.
 */
export function autoContrast(img: RgbImage): RgbImage {
  const h = histograms(img);
  const lut = new Uint8Array(768);
  for (let c = 0; c < 3; c++) {
    let lo = 0;
    while (lo < 255 && h[c * 256 + lo] === 0) lo++;
    let hi = 255;
    while (hi > 0 && h[c * 256 + hi] === 0) hi--;
    if (hi <= lo) {
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = v;
      continue;
    }
    const scale = 255 / (hi - lo);
    const offset = -lo * scale;
    for (let v = 0; v < 256; v++) {
      const x = Math.trunc(v * scale + offset);
      lut[c * 256 + v] = x < 0 ? 0 : x > 255 ? 255 : x;
    }
  }
  return applyLut(img, lut);
}

/**
 * Per-channel histogram equalization (`ImageOps.equalize`): with the channel's non-zero histogram
 * bins `b`, `step = floor((Σb − b_last) / 255)`; value `i` maps to
 * `floor((floor(step / 2) + Σ_{j<i} h[j]) / step)`; identity when `step` is 0 or only one value
 * occurs.
 */
export function equalize(img: RgbImage): RgbImage {
  const h = histograms(img);
  const lut = new Uint8Array(768);
  for (let c = 0; c < 3; c++) {
    let total = 0;
    let last = 0;
    let nonZero = 0;
    for (let v = 0; v < 256; v++) {
      const n = h[c * 256 + v]!;
      if (n > 0) {
        total += n;
        last = n;
        nonZero++;
      }
    }
    const step = Math.floor((total - last) / 255);
    if (nonZero <= 1 || step === 0) {
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = v;
      continue;
    }
    let n = Math.floor(step / 2);
    for (let v = 0; v < 256; v++) {
      lut[c * 256 + v] = Math.min(255, Math.floor(n / step));
      n += h[c * 256 + v]!;
    }
  }
  return applyLut(img, lut);
}

/** Pillow's RGB → L luma, `(19595 R + 38470 G + 7471 B + 2^15) >> 16`. */
export function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/**
 * `Image.blend(a, b, alpha)`: `a + alpha·(b − a)` in single precision, truncated, clipped to
 * [0, 255] (`a` and `b` same size).
 */
export function blend(a: Uint8Array, b: Uint8Array, alpha: number): Uint8Array {
  const f = Math.fround(alpha);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const t = Math.fround(a[i]! + Math.fround(f * (b[i]! - a[i]!)));
    out[i] = t <= 0 ? 0 : t >= 255 ? 255 : Math.trunc(t);
  }
  return out;
}

/** The image's gray version (luma in all three channels). */
export function grayscale(img: RgbImage): RgbImage {
  const d = img.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const l = luma(d[i]!, d[i + 1]!, d[i + 2]!);
    out[i] = l;
    out[i + 1] = l;
    out[i + 2] = l;
  }
  return { width: img.width, height: img.height, data: out };
}

/** `ImageEnhance.Color`: blend with the grayscale image (0 gray, 1 unchanged). */
export function color(img: RgbImage, factor: number): RgbImage {
  return { ...img, data: blend(grayscale(img).data, img.data, factor) };
}

/**
 * `ImageEnhance.Contrast`: blend with a uniform gray at the rounded mean luma
 * (`int(mean + 0.5)`).
 */
export function contrast(img: RgbImage, factor: number): RgbImage {
  const d = img.data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 3) sum += luma(d[i]!, d[i + 1]!, d[i + 2]!);
  const mean = Math.trunc(sum / (d.length / 3) + 0.5);
  return { ...img, data: blend(new Uint8Array(d.length).fill(mean), d, factor) };
}

/** `ImageEnhance.Brightness`: blend with black. */
export function brightness(img: RgbImage, factor: number): RgbImage {
  return { ...img, data: blend(new Uint8Array(img.data.length), img.data, factor) };
}

/**
 * Pillow's SMOOTH filter (3×3 kernel [1 1 1; 1 5 1; 1 1 1] / 13, rounded); the border rows and
 * columns are copied unchanged.
 */
export function smooth(img: RgbImage): RgbImage {
  const { width: w, height: h, data: d } = img;
  const out = d.slice();
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const k = dx === 0 && dy === 0 ? 5 : 1;
            s += k * d[((y + dy) * w + x + dx) * 3 + c]!;
          }
        }
        const v = Math.floor(s / 13 + 0.5);
        out[(y * w + x) * 3 + c] = v > 255 ? 255 : v;
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** `ImageEnhance.Sharpness`: blend with the SMOOTH-filtered image (factor > 1 sharpens). */
export function sharpness(img: RgbImage, factor: number): RgbImage {
  return { ...img, data: blend(smooth(img).data, img.data, factor) };
}

/** Mirrors the image left to right. */
export function hflip(img: RgbImage): RgbImage {
  const { width: w, height: h, data: d } = img;
  const out = new Uint8Array(d.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + (w - 1 - x)) * 3;
      const o = (y * w + x) * 3;
      out[o] = d[s]!;
      out[o + 1] = d[s + 1]!;
      out[o + 2] = d[s + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}
