/**
 * LayerNorm over the last (channel) axis of an NHWC or NC tensor: PyTorch's `F.layer_norm` and the
 * official channels_first LayerNorm (identical maths in NHWC).
 *
 * @module
 */
import { tf } from "../tf.ts";

/** `(x − mean) / sqrt(var + eps) · weight + bias`, statistics over the last axis (biased var). */
export function layerNorm<T extends tf.Tensor>(
  x: T,
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
  eps = 1e-6,
): T {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const { mean, variance } = tf.moments(x, axis, true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(y, weight), bias) as T;
  });
}
