/**
 * mmcv's `ConvModule` as mmsegmentation's heads use it: a stride-1 convolution without bias
 * (padding k // 2, odd k), BatchNorm, ReLU. A 1×1 convolution runs as one matrix product.
 *
 * @module
 */
import { matMul2d } from "../ops/mod.ts";
import { tf } from "../tf.ts";
import { batchNorm, type BatchNormParams } from "./batch_norm.ts";

/** Stride-1 convolution of NHWC `x` with `w` [k, k, Cin, Cout], zero padding k // 2, no bias. */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  if (kh !== kw || kh % 2 !== 1) {
    throw new Error(`conv2dSame(): kernel must be square and odd, got ${kh}x${kw}`);
  }
  if (x.shape[3] !== cin) {
    throw new Error(`conv2dSame(): input has ${x.shape[3]} channels, weight expects ${cin}`);
  }
  return tf.tidy(() => {
    if (kh === 1) {
      const [n, h, wd] = x.shape;
      const flat = tf.reshape(x, [-1, cin]) as tf.Tensor2D;
      const y = matMul2d(flat, tf.reshape(w, [cin, cout]) as tf.Tensor2D);
      return tf.reshape(y, [n, h, wd, cout]) as tf.Tensor4D;
    }
    const p = (kh - 1) / 2;
    return tf.conv2d(x, w, 1, [[0, 0], [p, p], [p, p], [0, 0]]);
  });
}

/** `relu(bn(conv(x)))`; in training BN uses batch statistics and updates its running ones. */
export function convBnRelu(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  bn: BatchNormParams,
  training: boolean,
): tf.Tensor4D {
  return tf.tidy(() => tf.relu(batchNorm(conv2dSame(x, w), bn, training)));
}
