/**
 * Separable resampling of NHWC maps: a constant [out, in] matrix applied along the height or the
 * width axis as one matrix product. PyTorch's bilinear interpolation (align_corners=False) and
 * adaptive average pooling are both of this form, so one differentiable op (the toolkit's
 * `matMul2d`) gives their exact values and gradients on every backend. (tfjs's
 * `resizeBilinear` gradient ignores `halfPixelCenters`, so it cannot be used for training.)
 *
 * @module
 */
import { matMul2d } from "../ops/mod.ts";
import { tf } from "../tf.ts";

/**
 * `y[n, o, w, c] = Σ_i m[o, i] · x[n, i, w, c]` (axis 1) or the same along the width (axis 2).
 * @param x NHWC map
 * @param m row-major [out, in] weights; `in` must equal the size of `axis`
 * @param out number of rows of `m`
 * @param axis 1 (height) or 2 (width)
 */
export function mixAlongAxis(
  x: tf.Tensor4D,
  m: Float32Array,
  out: number,
  axis: 1 | 2,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const size = axis === 1 ? h : w;
  if (m.length !== out * size) {
    throw new RangeError(`mixAlongAxis(): matrix has ${m.length} entries, expected ${out}x${size}`);
  }
  return tf.tidy(() => {
    const perm = axis === 1 ? [1, 0, 2, 3] : [2, 0, 1, 3];
    const moved = tf.reshape(tf.transpose(x, perm), [size, -1]) as tf.Tensor2D;
    const y = matMul2d(tf.tensor2d(m, [out, size]), moved);
    if (axis === 1) return tf.transpose(tf.reshape(y, [out, n, w, c]), [1, 0, 2, 3]);
    return tf.transpose(tf.reshape(y, [out, n, h, c]), [1, 2, 0, 3]);
  });
}
