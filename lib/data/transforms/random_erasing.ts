/**
 * timm's RandomErasing in `pixel` mode, on a normalised HWC float image (it runs after
 * normalisation): with probability `prob`, `count` boxes (1 unless `maxCount` > 1, then uniform in
 * [1, maxCount]) each take up to 10 attempts of area `U(0.02, 1/3)·H·W / count` and aspect
 * `exp(U(log 0.3, log(1/0.3)))`, `h = round(√(A·r))`, `w = round(√(A/r))`; the first box with
 * `w < W` and `h < H` is placed uniformly (top in [0, H − h], left in [0, W − w]) and filled with
 * independent standard-normal values per pixel and channel.
 *
 * @module
 */
import type { Rng } from "../../util/rng.ts";
import { roundHalfEven } from "./random_resized_crop.ts";

/** RandomErasing settings. */
export interface RandomErasingOptions {
  /** Probability of erasing at all. */
  prob: number;
  /** Largest number of boxes. */
  maxCount: number;
  /** Smallest box area as a share of the image (timm: 0.02). */
  minArea?: number;
  /** Largest box area as a share of the image (timm: 1/3). */
  maxArea?: number;
  /** Smallest aspect ratio (timm: 0.3; the largest is its inverse). */
  minAspect?: number;
}

/** One erased box. */
export interface ErasedBox {
  /** Top row. */
  top: number;
  /** Left column. */
  left: number;
  /** Height. */
  height: number;
  /** Width. */
  width: number;
}

/**
 * Erases boxes of the `h`×`w`×`c` image at `offset` in `x` in place; returns the boxes erased.
 */
export function randomErasing(
  x: Float32Array,
  offset: number,
  dims: { h: number; w: number; c: number },
  opts: RandomErasingOptions,
  rng: Rng,
): ErasedBox[] {
  if (rng.uniform() > opts.prob) return [];
  const { h: H, w: W, c: C } = dims;
  const minArea = opts.minArea ?? 0.02;
  const maxArea = opts.maxArea ?? 1 / 3;
  const minAspect = opts.minAspect ?? 0.3;
  const logLo = Math.log(minAspect);
  const logHi = Math.log(1 / minAspect);
  const count = opts.maxCount <= 1 ? 1 : 1 + rng.int(opts.maxCount);
  const area = H * W;
  const boxes: ErasedBox[] = [];
  for (let k = 0; k < count; k++) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = (minArea + (maxArea - minArea) * rng.uniform()) * area / count;
      const aspect = Math.exp(logLo + (logHi - logLo) * rng.uniform());
      const h = roundHalfEven(Math.sqrt(target * aspect));
      const w = roundHalfEven(Math.sqrt(target / aspect));
      if (w < W && h < H) {
        const top = rng.int(H - h + 1);
        const left = rng.int(W - w + 1);
        for (let y = top; y < top + h; y++) {
          for (let xx = left; xx < left + w; xx++) {
            const o = offset + (y * W + xx) * C;
            for (let ch = 0; ch < C; ch++) x[o + ch] = rng.normal();
          }
        }
        boxes.push({ top, left, height: h, width: w });
        break;
      }
    }
  }
  return boxes;
}
