/**
 * Affine warps of 8-bit RGB images as Pillow's `Image.transform(size, AFFINE, data, resample,
 * fillcolor)` and `Image.rotate` compute them (what timm's RandAugment calls for Rotate, ShearX/Y
 * and TranslateX/YRel). Output pixel (x, y) samples the input at
 * `(a·(x+½) + b·(y+½) + c, d·(x+½) + e·(y+½) + f)`; a sample point outside the image gives the fill
 * colour. Bicubic sampling is Pillow's transform cubic (Keys, a = −1, on the 4×4 neighbours of the
 * point shifted by −½, edges clamped), truncated to uint8; bilinear is the 2×2 interpolation;
 * nearest takes the pixel containing the point.
 *
 * @module
 */
import type { RgbImage } from "../image_decode.ts";

/** Sampling of an affine warp. */
export type AffineResample = "nearest" | "bilinear" | "bicubic";

/** The six coefficients (a, b, c, d, e, f) mapping output to input coordinates. */
export type AffineMatrix = readonly [number, number, number, number, number, number];

/** Pillow's transform cubic through v1..v4 at offset d ∈ [0, 1) after v2. */
function cubic(v1: number, v2: number, v3: number, v4: number, d: number): number {
  const p2 = -v1 + v3;
  const p3 = 2 * (v1 - v2) + v3 - v4;
  const p4 = -v1 + v2 - v3 + v4;
  return v2 + d * (p2 + d * (p3 + d * p4));
}

function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
}

function sampleBicubic(img: RgbImage, xin: number, yin: number, c: number): number {
  const { width: w, height: h, data } = img;
  const xs = xin - 0.5;
  const ys = yin - 0.5;
  const x = Math.floor(xs) - 1;
  const y = Math.floor(ys) - 1;
  const dx = xs - Math.floor(xs);
  const dy = ys - Math.floor(ys);
  const cx = (k: number) => Math.min(w - 1, Math.max(0, x + k));
  const x0 = cx(0), x1 = cx(1), x2 = cx(2), x3 = cx(3);
  const row = (yy: number) => {
    const base = yy * w;
    return cubic(
      data[(base + x0) * 3 + c]!,
      data[(base + x1) * 3 + c]!,
      data[(base + x2) * 3 + c]!,
      data[(base + x3) * 3 + c]!,
      dx,
    );
  };
  // first row clamped; later rows outside the image repeat the previous row's value (as Pillow)
  const v1 = row(Math.min(h - 1, Math.max(0, y)));
  const v2 = y + 1 >= 0 && y + 1 < h ? row(y + 1) : v1;
  const v3 = y + 2 >= 0 && y + 2 < h ? row(y + 2) : v2;
  const v4 = y + 3 >= 0 && y + 3 < h ? row(y + 3) : v3;
  return toByte(cubic(v1, v2, v3, v4, dy));
}

function sampleBilinear(img: RgbImage, xin: number, yin: number, c: number): number {
  const { width: w, height: h, data } = img;
  const xs = xin - 0.5;
  const ys = yin - 0.5;
  const x = Math.floor(xs);
  const y = Math.floor(ys);
  const dx = xs - x;
  const dy = ys - y;
  const px = (xx: number, yy: number) =>
    data[(Math.min(h - 1, Math.max(0, yy)) * w + Math.min(w - 1, Math.max(0, xx))) * 3 + c]!;
  const top = px(x, y) + (px(x + 1, y) - px(x, y)) * dx;
  const bot = px(x, y + 1) + (px(x + 1, y + 1) - px(x, y + 1)) * dx;
  return toByte(top + (bot - top) * dy);
}

/**
 * Warps `img` (same output size) by `m` (output → input), filling points outside the source with
 * `fill` (RGB).
 */
export function affine(
  img: RgbImage,
  m: AffineMatrix,
  resample: AffineResample,
  fill: readonly [number, number, number],
): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  const [a, b, c, d, e, f] = m;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xin = a * (x + 0.5) + b * (y + 0.5) + c;
      const yin = d * (x + 0.5) + e * (y + 0.5) + f;
      const o = (y * w + x) * 3;
      if (xin < 0 || xin >= w || yin < 0 || yin >= h) {
        out[o] = fill[0];
        out[o + 1] = fill[1];
        out[o + 2] = fill[2];
        continue;
      }
      for (let ch = 0; ch < 3; ch++) {
        if (resample === "bicubic") out[o + ch] = sampleBicubic(img, xin, yin, ch);
        else if (resample === "bilinear") out[o + ch] = sampleBilinear(img, xin, yin, ch);
        else out[o + ch] = data[(Math.floor(yin) * w + Math.floor(xin)) * 3 + ch]!;
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** Python's `round(v, 15)` closely enough for cosines and sines (drops float noise near 0, ±1). */
function round15(v: number): number {
  return Math.round(v * 1e15) / 1e15;
}

/**
 * The matrix of Pillow's `Image.rotate(degrees)` about the image centre (`w/2`, `h/2`), without
 * expanding: counter-clockwise for positive degrees.
 */
export function rotateMatrix(width: number, height: number, degrees: number): AffineMatrix {
  const angle = -((degrees % 360) * Math.PI) / 180;
  const cos = round15(Math.cos(angle));
  const sin = round15(Math.sin(angle));
  const cx = width / 2;
  const cy = height / 2;
  const c = cos * -cx + sin * -cy + cx;
  const f = -sin * -cx + cos * -cy + cy;
  return [cos, sin, c, -sin, cos, f];
}

/** `Image.rotate(degrees, resample, fillcolor=fill)` (no expand, centre pivot). */
export function rotate(
  img: RgbImage,
  degrees: number,
  resample: AffineResample,
  fill: readonly [number, number, number],
): RgbImage {
  return affine(img, rotateMatrix(img.width, img.height, degrees), resample, fill);
}

/** timm's `shear_x`: input x = x + factor·y. */
export function shearX(
  img: RgbImage,
  factor: number,
  resample: AffineResample,
  fill: readonly [number, number, number],
): RgbImage {
  return affine(img, [1, factor, 0, 0, 1, 0], resample, fill);
}

/** timm's `shear_y`: input y = factor·x + y. */
export function shearY(
  img: RgbImage,
  factor: number,
  resample: AffineResample,
  fill: readonly [number, number, number],
): RgbImage {
  return affine(img, [1, 0, 0, factor, 1, 0], resample, fill);
}

/** timm's `translate_x_rel`: input x = x + pct·width (the content moves left for pct > 0). */
export function translateXRel(
  img: RgbImage,
  pct: number,
  resample: AffineResample,
  fill: readonly [number, number, number],
): RgbImage {
  return affine(img, [1, 0, pct * img.width, 0, 1, 0], resample, fill);
}

/** timm's `translate_y_rel`: input y = y + pct·height (the content moves up for pct > 0). */
export function translateYRel(
  img: RgbImage,
  pct: number,
  resample: AffineResample,
  fill: readonly [number, number, number],
): RgbImage {
  return affine(img, [1, 0, 0, 0, 1, pct * img.height], resample, fill);
}
