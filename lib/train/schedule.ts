/**
 * The learning-rate schedule of the official ConvNeXt/SLaK `cosine_scheduler`, indexed by
 * optimizer step: `warmup` steps of `linspace(0, lr, warmup)`, then a per-step cosine from `lr` to
 * `minLr` over the remaining steps; or, with `poly`, mmcv's poly policy with linear warmup
 * (mmsegmentation's schedules).
 *
 * @module
 */

/** A schedule: peak lr, floor, total and warmup optimizer steps. */
export interface LrSchedule {
  /** Peak learning rate (reached at the end of warmup). */
  lr: number;
  /** Final learning rate of the cosine. */
  minLr: number;
  /** Optimizer steps of the whole run. */
  totalSteps: number;
  /** Warmup optimizer steps (official: warmup_epochs × steps per epoch). */
  warmupSteps: number;
  /** mmcv's poly decay with linear warmup instead (see {@link polyLrAt}); absent = cosine. */
  poly?: { power: number; warmupRatio: number } | undefined;
}

/**
 * mmcv's `PolyLrUpdaterHook` with `warmup='linear'`, by iteration i (0-based):
 * regular = (lr − minLr)·(1 − i/T)^power + minLr; for i < W the regular lr times
 * 1 − (1 − i/W)·(1 − warmupRatio).
 *
 * @example
 * ```ts
 * const s = { lr: 1, minLr: 0, totalSteps: 10, warmupSteps: 2, poly: { power: 1, warmupRatio: 0 } };
 * polyLrAt(0, s); // 0 (warmup starts at ratio · regular)
 * polyLrAt(1, s); // 0.45 = 0.9 · (1 − 0.5)
 * polyLrAt(5, s); // 0.5
 * ```
 */
export function polyLrAt(i: number, s: LrSchedule): number {
  const p = s.poly ?? { power: 1, warmupRatio: 1 };
  const t = Math.min(i, s.totalSteps);
  const regular = (s.lr - s.minLr) * (1 - t / s.totalSteps) ** p.power + s.minLr;
  if (i >= s.warmupSteps) return regular;
  const k = (1 - i / s.warmupSteps) * (1 - p.warmupRatio);
  return regular * (1 - k);
}

/**
 * Learning rate of optimizer step `i` (0-based: the lr the (i+1)-th update uses).
 * Warmup is numpy's `linspace(0, lr, W)` (so step 0 uses 0 and step W−1 uses lr; W = 1 gives 0,
 * as numpy does); then `minLr + ½(lr − minLr)(1 + cos(π·j/N))` with j = i − W, N = T − W.
 *
 * @example
 * ```ts
 * const s = { lr: 1, minLr: 0, totalSteps: 10, warmupSteps: 3 };
 * lrAt(0, s); // 0
 * lrAt(2, s); // 1 (end of warmup: linspace(0, 1, 3) = [0, 0.5, 1])
 * lrAt(3, s); // 1 (cosine starts at its peak)
 * ```
 */
export function lrAt(i: number, s: LrSchedule): number {
  if (s.poly !== undefined) return polyLrAt(i, s);
  const w = Math.min(s.warmupSteps, s.totalSteps);
  if (i < w) return w === 1 ? 0 : (s.lr * i) / (w - 1);
  const n = s.totalSteps - w;
  if (n <= 0) return s.minLr;
  const j = Math.min(i - w, n);
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos((Math.PI * j) / n));
}

/** Warmup steps of `warmupEpochs` (may be fractional) at `stepsPerEpoch`. */
export function warmupSteps(warmupEpochs: number, stepsPerEpoch: number): number {
  return Math.round(warmupEpochs * stepsPerEpoch);
}
