/**
 * RandomResizedCrop as torchvision's `RandomResizedCrop.get_params` draws it, then a crop and a
 * Pillow-exact resize (lib/data/pil_resize.ts) to the output side.
 *
 * Draws: up to 10 attempts of `area·U(scale)` and `exp(U(log ratio))`, `w = round(√(A·r))`,
 * `h = round(√(A/r))` (Python's round, halves to even); the first box with `0 < w ≤ W` and
 * `0 < h ≤ H` is placed uniformly (`top ∈ [0, H − h]`, `left ∈ [0, W − w]`). After 10 misses: a
 * centred box of the whole image with its aspect ratio clamped into `ratio`.
 *
 * @module
 */
import type { Rng } from "../../util/rng.ts";
import type { RgbImage } from "../image_decode.ts";
import { pilResize, type ResampleFilter } from "../pil_resize.ts";

/** A crop box: top row, left column, height, width (pixels). */
export interface CropBox {
  /** Top row. */
  top: number;
  /** Left column. */
  left: number;
  /** Height. */
  height: number;
  /** Width. */
  width: number;
}

/** Python 3's `round` to an integer: halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The crop box of one RandomResizedCrop draw on a `width`×`height` image.
 * @param scale range of the box area as a share of the image area
 * @param ratio range of the box aspect ratio (width / height)
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: Rng,
): CropBox {
  const area = width * height;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng.uniform());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.uniform());
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  return centerFallbackBox(width, height, ratio);
}

/** torchvision's fallback box: the whole image, its aspect ratio clamped into `ratio`, centred. */
export function centerFallbackBox(
  width: number,
  height: number,
  ratio: readonly [number, number],
): CropBox {
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(ratio[0], ratio[1])) {
    h = roundHalfEven(w / Math.min(ratio[0], ratio[1]));
  } else if (inRatio > Math.max(ratio[0], ratio[1])) {
    w = roundHalfEven(h * Math.max(ratio[0], ratio[1]));
  }
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
  };
}

/** The pixels of `box` (inside the image). */
export function crop(img: RgbImage, box: CropBox): RgbImage {
  const out = new Uint8Array(box.width * box.height * 3);
  for (let y = 0; y < box.height; y++) {
    const s = ((box.top + y) * img.width + box.left) * 3;
    out.set(img.data.subarray(s, s + box.width * 3), y * box.width * 3);
  }
  return { width: box.width, height: box.height, data: out };
}

/** One RandomResizedCrop: draw a box, crop it, resize it to `size`×`size` with `filter`. */
export function randomResizedCrop(
  img: RgbImage,
  size: number,
  opts: { scale: readonly [number, number]; ratio: readonly [number, number] },
  filter: ResampleFilter,
  rng: Rng,
): RgbImage {
  const box = randomResizedCropBox(img.width, img.height, opts.scale, opts.ratio, rng);
  return pilResize(crop(img, box), size, size, filter);
}
