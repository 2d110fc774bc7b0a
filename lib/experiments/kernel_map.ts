/**
 * Scaling the paper's kernel sizes to smaller inputs while keeping the kernel-to-feature-map
 * ratio. The paper's ConvNeXt-T stages run on 56, 28, 14, 7 maps at 224 px (4×4 stem, 2×2
 * downsampling); a stage of side H' gets `K · H'/H` rounded to the nearest odd integer (ties go
 * down), at least 3 (the smallest kernel with a spatial extent, also the short edge), and at most
 * 2H'−1 (the largest kernel whose every tap can see the map; larger ones only add zero taps —
 * the paper's 47 on 14 and 13 on 7 already reach or exceed it).
 *
 * @module
 */
import { stageMaps } from "../models/count.ts";

/** The paper's stage map sides at 224 px. */
export const PAPER_MAPS = [56, 28, 14, 7] as const;

/** The paper's kernel ladder per stage (§3.2): 7, 31, 51, 61. */
export const PAPER_KERNELS: Readonly<Record<string, readonly number[]>> = {
  "7": [7, 7, 7, 7],
  "31": [31, 29, 27, 13],
  "51": [51, 49, 47, 13],
  "61": [61, 59, 57, 13],
};

/** Nearest odd integer to x (ties to the lower one). */
export function nearestOdd(x: number): number {
  const lo = 2 * Math.floor((x - 1) / 2) + 1;
  return x - lo <= lo + 2 - x ? lo : lo + 2;
}

/** Kernel of side `paperK` on a paper map of side `paperH`, scaled to a map of side `h`. */
export function scaleKernel(paperK: number, paperH: number, h: number): number {
  const cap = Math.max(3, 2 * h - 1);
  return Math.min(cap, Math.max(3, nearestOdd((paperK * h) / paperH)));
}

/** The four stage kernels for a square input of `size` px. */
export function scaleKernels(paperKernels: readonly number[], size: number): number[] {
  const maps = stageMaps(size, size).map(([h]) => h);
  return paperKernels.map((k, i) => scaleKernel(k, PAPER_MAPS[i]!, maps[i]!));
}
