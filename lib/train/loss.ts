/**
 * Losses and accuracy: soft-target cross-entropy (label smoothing and mixup targets, as timm's
 * `SoftTargetCrossEntropy` / `LabelSmoothingCrossEntropy`), and host-side evaluation statistics.
 *
 * @module
 */
import { tf } from "../tf.ts";

/**
 * Smoothed one-hot targets: (1 − s)·onehot + s/K per row (timm's label smoothing), as a host
 * array [n, K].
 */
export function smoothTargets(labels: Int32Array, numClasses: number, smoothing: number) {
  const n = labels.length;
  const off = smoothing / numClasses;
  const out = new Float32Array(n * numClasses).fill(off);
  for (let i = 0; i < n; i++) out[i * numClasses + labels[i]!] = 1 - smoothing + off;
  return out;
}

/** mean over rows of Σ_k −target·log_softmax(logits). */
export function softCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar
  );
}

/** Sums of per-sample statistics of a batch of logits (host, float64). */
export interface EvalSums {
  /** Σ cross-entropy (no smoothing). */
  loss: number;
  /** Σ top-1 hits. */
  top1: number;
  /** Σ top-5 hits (counted only when K >= 5). */
  top5: number;
  /** Samples. */
  n: number;
}

/** Adds one batch of logits [n, K] and labels to `sums`. */
export function addEvalBatch(
  sums: EvalSums,
  logits: Float32Array,
  labels: Int32Array,
  numClasses: number,
): void {
  const k = numClasses;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * k, (i + 1) * k);
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (row[j]! > max) max = row[j]!;
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(row[j]! - max);
    const y = labels[i]!;
    sums.loss += Math.log(sum) + max - row[y]!;
    // rank of the true class: classes scoring strictly higher (ties to the lower index before it)
    let rank = 0;
    for (let j = 0; j < k; j++) {
      if (row[j]! > row[y]! || (row[j] === row[y] && j < y)) rank++;
    }
    if (rank === 0) sums.top1++;
    if (rank < 5) sums.top5++;
    sums.n++;
  }
}
