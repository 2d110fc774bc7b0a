/**
 * The segmentation loss as mmsegmentation computes it (`BaseDecodeHead.losses` with
 * `CrossEntropyLoss`): each head's logits are first resized bilinearly (align_corners=False) to the
 * label map's size; then the per-pixel softmax cross-entropy, 0 at pixels labelled `ignoreIndex`;
 * then the MEAN OVER ALL PIXELS, ignored ones included. That is mmseg's `avg_non_ignore=False`
 * (the only behaviour before mmseg 0.24 and still its default): `F.cross_entropy(...,
 * reduction='none', ignore_index=255)` followed by `weight_reduce_loss(..., 'mean')`, a plain
 * `.mean()`. It is not PyTorch's own `reduction='mean'`, which divides by the non-ignored count.
 * Each head's term is scaled by its loss weight (1 for the decode head, `aux.lossWeight` for the
 * auxiliary one) and the terms are summed.
 *
 * @module
 */
import { resizeBilinear } from "../../layers/mod.ts";
import { tf } from "../../tf.ts";
import { DataError } from "../../util/errors.ts";

/**
 * mmseg's pixel cross-entropy of NHWC `logits` against `labels` [N, H, W] (int32): logits resized
 * to H×W, per-pixel CE (0 where the label is `ignoreIndex`), mean over all N·H·W pixels. Labels
 * must lie in 0..K−1 or equal `ignoreIndex` (check host labels with {@link checkSegLabels}; any
 * other value would count as ignored here, where PyTorch fails).
 */
export function pixelCrossEntropy(
  logits: tf.Tensor4D,
  labels: tf.Tensor3D,
  ignoreIndex: number,
): tf.Scalar {
  const [n, h, w] = labels.shape;
  if (logits.shape[0] !== n) {
    throw new Error(`pixelCrossEntropy(): ${logits.shape[0]} logit maps for ${n} label maps`);
  }
  const k = logits.shape[3];
  return tf.tidy(() => {
    const up = logits.shape[1] === h && logits.shape[2] === w
      ? logits
      : resizeBilinear(logits, [h, w]);
    const logp = tf.logSoftmax(tf.reshape(up, [-1, k]) as tf.Tensor2D);
    const flat = tf.reshape(labels, [-1]) as tf.Tensor1D;
    const target = tf.where(tf.equal(flat, ignoreIndex), tf.fill(flat.shape, -1, "int32"), flat);
    const onehot = tf.oneHot(target as tf.Tensor1D, k); // all-zero rows for -1: loss 0
    return tf.div(tf.neg(tf.sum(tf.mul(onehot, logp))), n * h * w) as tf.Scalar;
  });
}

/**
 * Throws a DataError unless every label is in 0..numClasses−1 or equals `ignoreIndex`; the message
 * names `source`, the first bad value and where it is.
 */
export function checkSegLabels(
  labels: ArrayLike<number>,
  numClasses: number,
  ignoreIndex: number,
  source: string,
): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v !== ignoreIndex && !(Number.isInteger(v) && v >= 0 && v < numClasses)) {
      throw new DataError(
        `${source}: label ${v} at element ${i} is not a class; allowed values: 0..${
          numClasses - 1
        } or ${ignoreIndex} (ignored)`,
      );
    }
  }
}
