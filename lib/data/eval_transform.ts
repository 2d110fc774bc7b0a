/**
 * The official evaluation transform of SLaK / ConvNeXt (`build_transform(is_train=False)`), up to
 * the uint8 crop (ToTensor and Normalize are the data set's normalization):
 *
 * - `size` > 32 and < 384: resize the shorter side to `trunc(size / cropPct)` (the longer side to
 *   `trunc(short · long / shorter)`, as torchvision's `Resize(int)`) with Pillow's antialiased
 *   filter (pil_resize.ts), then torchvision's `CenterCrop(size)`: offsets
 *   `round((side - size) / 2)` rounding halves to even (Python's `round`), zero padding first when
 *   the image is smaller than the crop.
 * - `size` ≥ 384: a plain warp to `size`×`size` (no crop; `cropPct` unused).
 * - `size` ≤ 32: no resize; the images must already be `size`×`size`.
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import type { RgbImage } from "./image_decode.ts";
import { pilResize, type ResampleFilter } from "./pil_resize.ts";

/** Settings of the evaluation transform. */
export interface EvalTransform {
  /** Side of the square network input (`--input_size`). */
  size: number;
  /** Centre-crop fraction (official default 224/256 = 0.875). */
  cropPct: number;
  /** Resampling filter (the official transform: bicubic). */
  interpolation: ResampleFilter;
}

/** The official default crop fraction, 224/256. */
export const DEFAULT_CROP_PCT = 0.875;

/** From this side on, the official transform warps to a square instead of resize + crop. */
export const WARP_FROM_SIZE = 384;

/** Python's `round` of a non-negative number: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The size torchvision's `Resize(short)` gives an image of `width`×`height`: the shorter side
 * becomes `short`, the longer `trunc(short · long / shorter)`.
 * @example
 * ```ts
 * const s = resizedSize(500, 375, 256);
 * if (s.width !== 341 || s.height !== 256) throw new Error("unexpected size");
 * ```
 */
export function resizedSize(
  width: number,
  height: number,
  short: number,
): { width: number; height: number } {
  if (width <= height) return { width: short, height: Math.trunc((short * height) / width) };
  return { width: Math.trunc((short * width) / height), height: short };
}

/**
 * torchvision's `CenterCrop(size)` of an RGB image: zero padding (left/top `⌊d/2⌋`,
 * right/bottom `⌊(d+1)/2⌋`) where the image is smaller, then the crop at
 * `round((side - size) / 2)` (halves to even).
 * @example
 * ```ts
 * const img = { width: 3, height: 1, data: Uint8Array.from([1, 1, 1, 2, 2, 2, 3, 3, 3]) };
 * if (centerCrop(img, 1).data[0] !== 2) throw new Error("bad crop");
 * ```
 */
export function centerCrop(img: RgbImage, size: number): RgbImage {
  let { width: w, height: h, data } = img;
  if (size > w || size > h) {
    const left = size > w ? Math.floor((size - w) / 2) : 0;
    const top = size > h ? Math.floor((size - h) / 2) : 0;
    const pw = Math.max(w, size);
    const ph = Math.max(h, size);
    const padded = new Uint8Array(pw * ph * 3);
    for (let y = 0; y < h; y++) {
      padded.set(data.subarray(y * w * 3, (y + 1) * w * 3), ((y + top) * pw + left) * 3);
    }
    w = pw;
    h = ph;
    data = padded;
  }
  const top = roundHalfEven((h - size) / 2);
  const left = roundHalfEven((w - size) / 2);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const s = ((y + top) * w + left) * 3;
    out.set(data.subarray(s, s + size * 3), y * size * 3);
  }
  return { width: size, height: size, data: out };
}

/** Checks the transform's settings (callers validate user input; a RangeError is a bug). */
function checkTransform(t: EvalTransform): void {
  if (!Number.isInteger(t.size) || t.size < 1) throw new RangeError(`bad eval size ${t.size}`);
  if (!(t.cropPct > 0)) throw new RangeError(`bad crop fraction ${t.cropPct}`);
}

/**
 * Applies the official evaluation transform to a decoded image; returns `size`×`size` RGB bytes
 * (HWC).
 * @param file names the image in errors
 * @throws DataError when `size` ≤ 32 and the image is not already `size`×`size`
 * @example
 * ```ts
 * const img = { width: 300, height: 200, data: new Uint8Array(300 * 200 * 3).fill(50) };
 * const px = evalTransformImage(img, { size: 64, cropPct: 0.875, interpolation: "bicubic" }, "x");
 * if (px.length !== 64 * 64 * 3 || px[0] !== 50) throw new Error("bad transform");
 * ```
 */
export function evalTransformImage(img: RgbImage, t: EvalTransform, file: string): Uint8Array {
  checkTransform(t);
  const { size } = t;
  if (size <= 32) {
    if (img.width !== size || img.height !== size) {
      throw new DataError(
        `${file}: is ${img.width}x${img.height}; at size ${size} (<= 32) the official eval ` +
          `transform does not resize, so images must be ${size}x${size}`,
      );
    }
    return img.data;
  }
  if (size >= WARP_FROM_SIZE) return pilResize(img, size, size, t.interpolation).data;
  const short = Math.trunc(size / t.cropPct);
  const target = resizedSize(img.width, img.height, short);
  const resized = Math.min(img.width, img.height) === short
    ? img // torchvision returns the image as it is when its shorter side already fits
    : pilResize(img, target.width, target.height, t.interpolation);
  return centerCrop(resized, size).data;
}
