/**
 * The running figures of `slak eval`: mean cross-entropy, top-1 and top-5 (as the training
 * evaluation, lib/train/loss.ts) and top-1 per class.
 *
 * @module
 */
import { addEvalBatch, type EvalSums } from "../lib/train/loss.ts";

/** Figures of one class. */
export interface ClassAccuracy {
  /** Class name. */
  name: string;
  /** Images of the class. */
  images: number;
  /** Top-1 accuracy (fraction; null without images). */
  top1: number | null;
}

/** Sums over the batches seen so far. */
export interface EvalTally {
  /** Loss, top-1 and top-5 sums and the image count. */
  sums: EvalSums;
  /** Images per class. */
  perClass: Int32Array;
  /** Correct top-1 predictions per class. */
  perClassTop1: Int32Array;
}

/** An empty tally for `classes` classes. */
export function newTally(classes: number): EvalTally {
  return {
    sums: { loss: 0, top1: 0, top5: 0, n: 0 },
    perClass: new Int32Array(classes),
    perClassTop1: new Int32Array(classes),
  };
}

/** The predicted class of each row of `logits` [n, k] (ties to the lower index). */
export function argmaxRows(logits: Float32Array, k: number): Int32Array {
  const n = logits.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** Adds a batch: `logits` [n, k] row-major, `labels` [n]. */
export function addToTally(t: EvalTally, logits: Float32Array, labels: Int32Array, k: number) {
  addEvalBatch(t.sums, logits, labels, k);
  const pred = argmaxRows(logits, k);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < t.perClass.length) {
      t.perClass[y]!++;
      if (pred[i] === y) t.perClassTop1[y]!++;
    }
  }
}

/** The tally's figures: loss, top-1, top-5 (null below 5 model classes) and per class. */
export function tallyResult(t: EvalTally, classNames: readonly string[], k: number) {
  const n = t.sums.n;
  return {
    images: n,
    top1: n > 0 ? t.sums.top1 / n : null,
    top5: k >= 5 && n > 0 ? t.sums.top5 / n : null,
    loss: n > 0 ? t.sums.loss / n : null,
    classes: classNames.map((name, c): ClassAccuracy => ({
      name,
      images: t.perClass[c]!,
      top1: t.perClass[c]! > 0 ? t.perClassTop1[c]! / t.perClass[c]! : null,
    })),
  };
}
