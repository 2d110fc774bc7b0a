/**
 * Segmentation metrics accumulated over a whole evaluation set, as mmseg's `intersect_and_union`
 * and `total_area_to_metrics`: for every image, pixels whose label is the ignore index are
 * dropped, and per class the intersection (prediction = label = class), the predicted area and
 * the labelled area are counted (values outside `[0, numClasses)` count for no class); the
 * counts are summed over images, and only then turned into ratios:
 *
 * - IoU[c] = intersection / (pred area + label area − intersection), NaN when the class is in
 *   neither (0/0); a class only predicted gets 0;
 * - Acc[c] = intersection / label area (NaN for a class absent from the labels);
 * - aAcc = Σ intersection / Σ label area (pixel accuracy);
 * - mIoU and mAcc = means over the non-NaN entries (numpy's `nanmean`).
 *
 * @module
 */
import { IGNORE_INDEX } from "./types.ts";

/** Summed per-class pixel counts. */
export interface SegAreas {
  /** Pixels predicted and labelled as the class. */
  intersect: Float64Array;
  /** Pixels predicted as the class (non-ignored). */
  pred: Float64Array;
  /** Pixels labelled as the class. */
  label: Float64Array;
}

/** The metrics of a set of images. */
export interface SegMetrics {
  /** Pixel accuracy over all non-ignored pixels (0..1; NaN when there are none). */
  aAcc: number;
  /** Mean IoU over classes present in labels or predictions (0..1). */
  mIoU: number;
  /** Mean per-class accuracy over classes present in labels (0..1). */
  mAcc: number;
  /** Per-class IoU (NaN for classes in neither labels nor predictions). */
  iou: Float64Array;
  /** Per-class accuracy (NaN for classes absent from the labels). */
  acc: Float64Array;
}

/** Empty counts for `numClasses` classes. */
export function emptyAreas(numClasses: number): SegAreas {
  return {
    intersect: new Float64Array(numClasses),
    pred: new Float64Array(numClasses),
    label: new Float64Array(numClasses),
  };
}

/**
 * Adds one image's counts to `areas` (mmseg `intersect_and_union`).
 * @param pred predicted class per pixel
 * @param label labelled class per pixel, or `ignoreIndex`
 * @throws Error when the two arrays differ in length (a bug in the caller)
 */
export function accumulateAreas(
  areas: SegAreas,
  pred: ArrayLike<number>,
  label: ArrayLike<number>,
  ignoreIndex: number = IGNORE_INDEX,
): void {
  if (pred.length !== label.length) {
    throw new Error(`accumulateAreas: ${pred.length} predictions for ${label.length} labels`);
  }
  const k = areas.intersect.length;
  for (let i = 0; i < label.length; i++) {
    const l = label[i]!;
    if (l === ignoreIndex) continue;
    const p = pred[i]!;
    if (p >= 0 && p < k) areas.pred[p]!++;
    if (l >= 0 && l < k) {
      areas.label[l]!++;
      if (p === l) areas.intersect[l]!++;
    }
  }
}

function nanmean(a: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (const v of a) {
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

/**
 * The metrics of summed counts (mmseg `total_area_to_metrics` with `mIoU` and accuracies).
 * @example
 * ```ts
 * const a = emptyAreas(3);
 * accumulateAreas(a, [0, 0, 1, 1], [0, 1, 1, 255]);
 * const m = segMetrics(a);
 * // class 0: I=1 U=2; class 1: I=1 U=2; class 2: absent → NaN, left out of the mean
 * if (m.mIoU !== 0.5 || !Number.isNaN(m.iou[2]!)) throw new Error("bad mIoU");
 * ```
 */
export function segMetrics(areas: SegAreas): SegMetrics {
  const k = areas.intersect.length;
  const iou = new Float64Array(k);
  const acc = new Float64Array(k);
  let inter = 0;
  let lab = 0;
  for (let c = 0; c < k; c++) {
    const i = areas.intersect[c]!;
    const union = areas.pred[c]! + areas.label[c]! - i;
    iou[c] = i / union;
    acc[c] = i / areas.label[c]!;
    inter += i;
    lab += areas.label[c]!;
  }
  return { aAcc: inter / lab, mIoU: nanmean(iou), mAcc: nanmean(acc), iou, acc };
}

/** A running evaluator: add images one by one, read the metrics of all of them. */
export class SegEvaluator {
  /** The summed counts so far. */
  readonly areas: SegAreas;
  /** Number of images added. */
  images = 0;

  /**
   * An evaluator for `numClasses` classes.
   * @param numClasses number of classes
   * @param ignoreIndex label value to skip (default 255)
   */
  constructor(readonly numClasses: number, readonly ignoreIndex: number = IGNORE_INDEX) {
    this.areas = emptyAreas(numClasses);
  }

  /** Adds one image's prediction and label map (same length). */
  add(pred: ArrayLike<number>, label: ArrayLike<number>): void {
    accumulateAreas(this.areas, pred, label, this.ignoreIndex);
    this.images++;
  }

  /** The metrics of everything added so far. */
  metrics(): SegMetrics {
    return segMetrics(this.areas);
  }
}
