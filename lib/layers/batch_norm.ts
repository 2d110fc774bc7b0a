/**
 * BatchNorm2d over NHWC as PyTorch computes it: in training, normalise with the batch statistics
 * (biased variance) and update the running statistics with momentum 0.1 using the unbiased
 * variance; in eval, normalise with the running statistics. eps 1e-5.
 *
 * @module
 */
import { batchMoments, batchNormTrain } from "../ops/mod.ts";
import { tf } from "../tf.ts";

/** The tensors of one BatchNorm. */
export interface BatchNormParams {
  weight: tf.Variable;
  bias: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
  numBatchesTracked: tf.Variable;
}

/** PyTorch BatchNorm defaults. */
export const BN_EPS = 1e-5;
/** PyTorch BatchNorm default momentum (weight of the new batch statistic). */
export const BN_MOMENTUM = 0.1;

/**
 * Applies BatchNorm to an NHWC tensor; in training mode also updates the running statistics
 * (side effect on the buffers, outside of any gradient).
 */
export function batchNorm(x: tf.Tensor4D, p: BatchNormParams, training: boolean): tf.Tensor4D {
  if (!training) {
    return tf.tidy(() => {
      const scale = tf.mul(p.weight, tf.rsqrt(tf.add(p.runningVar, BN_EPS)));
      const shift = tf.sub(p.bias, tf.mul(p.runningMean, scale));
      return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
    });
  }
  const [n, h, w] = x.shape;
  const count = n * h * w;
  const out = batchNormTrain(x, p.weight as tf.Tensor1D, p.bias as tf.Tensor1D, BN_EPS);
  tf.tidy(() => {
    const { mean, variance } = batchMoments(x);
    const unbiased = tf.mul(variance, count > 1 ? count / (count - 1) : 1);
    p.runningMean.assign(tf.add(tf.mul(p.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
    p.runningVar.assign(
      tf.add(tf.mul(p.runningVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)),
    );
    p.numBatchesTracked.assign(tf.add(p.numBatchesTracked, 1));
  });
  return out;
}
