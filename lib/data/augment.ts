/**
 * Turning raw HWC bytes into a normalized float image, with optional train-time augmentation
 * (random crop from a zero-padded image, then horizontal flip, in torchvision's order), fused in
 * one pass through a per-channel lookup table.
 *
 * @module
 */
import type { Rng } from "../util/rng.ts";
import type { Augment, Normalize } from "./types.ts";

/** Per-channel lookup tables: `lut[c * 256 + v] = (v / 255 - mean[c]) / std[c]`. */
export function normalizeTable(norm: Normalize): Float32Array {
  const c = norm.mean.length;
  const lut = new Float32Array(c * 256);
  for (let ch = 0; ch < c; ch++) {
    const m = norm.mean[ch]!;
    const s = norm.std[ch]!;
    for (let v = 0; v < 256; v++) lut[ch * 256 + v] = (v / 255 - m) / s;
  }
  return lut;
}

/** One sample's augmentation draws. */
export interface AugmentDraw {
  /** Crop offset in the padded image minus the padding (in [-pad, pad]). */
  dy: number;
  /** Crop offset in the padded image minus the padding (in [-pad, pad]). */
  dx: number;
  /** Horizontal flip. */
  flip: boolean;
}

/** Draws crop offsets (if cropping) then the flip (if flipping) from `rng`, in that order. */
export function drawAugment(aug: Augment, rng: Rng): AugmentDraw {
  let dy = 0;
  let dx = 0;
  if (aug.crop !== null && aug.crop.pad > 0) {
    const p = aug.crop.pad;
    dy = rng.int(2 * p + 1) - p;
    dx = rng.int(2 * p + 1) - p;
  }
  const flip = aug.flip ? rng.uniform() < 0.5 : false;
  return { dy, dx, flip };
}

/** No augmentation. */
export const IDENTITY_DRAW: AugmentDraw = { dy: 0, dx: 0, flip: false };

/**
 * Writes `src` (h×w×c bytes) into `out` at `offset`, normalized through `lut`, shifted by the
 * crop offsets (pixels from outside the image are 0 before normalization) and optionally flipped.
 * `out[y, x] = src[y + dy, x' + dx]` with `x' = flip ? w - 1 - x : x`.
 */
export function writeImage(
  src: Uint8Array,
  shape: { h: number; w: number; c: number },
  lut: Float32Array,
  draw: AugmentDraw,
  out: Float32Array,
  offset: number,
): void {
  const { h, w, c } = shape;
  const { dy, dx, flip } = draw;
  if (dy === 0 && dx === 0 && !flip) {
    const n = h * w * c;
    if (c === 1) {
      for (let i = 0; i < n; i++) out[offset + i] = lut[src[i]!]!;
    } else {
      for (let i = 0; i < n; i += c) {
        for (let ch = 0; ch < c; ch++) out[offset + i + ch] = lut[ch * 256 + src[i + ch]!]!;
      }
    }
    return;
  }
  let o = offset;
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    const rowIn = sy >= 0 && sy < h;
    for (let x = 0; x < w; x++) {
      const sx = (flip ? w - 1 - x : x) + dx;
      if (rowIn && sx >= 0 && sx < w) {
        const si = (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) out[o++] = lut[ch * 256 + src[si + ch]!]!;
      } else {
        for (let ch = 0; ch < c; ch++) out[o++] = lut[ch * 256]!;
      }
    }
  }
}
