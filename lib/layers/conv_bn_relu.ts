/**
 * mmcv's `ConvModule` as mmsegmentation's heads use it: a stride-1 convolution without bias
 * (padding k // 2, odd k), BatchNorm, ReLU. A 1×1 convolution runs as one matrix product.
 *
 * @module
 */
import { matMul2d } from "../ops/mod.ts";
import { tf } from "../tf.ts";
import { mixAlongAxis } from "./axis_matrix.ts";
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
    // Σ over taps (dy, dx) of shift(x·W[dy, dx]): per tap one channel matrix product, then the
    // zero-padded shifts as matrix products along H and W (mixAlongAxis). Same result as
    // tf.conv2d up to float summation order, but its gradient is matrix products and transposes,
    // where the cpu backend's conv2d filter gradient (and strided slices) are many times slower.
    const [n, h, wd] = x.shape;
    const p = (kh - 1) / 2;
    const flat = tf.reshape(x, [-1, cin]) as tf.Tensor2D;
    let y: tf.Tensor4D | null = null;
    for (let dx = 0; dx < kw; dx++) {
      let col: tf.Tensor4D | null = null;
      for (let dy = 0; dy < kh; dy++) {
        const wk = tf.reshape(tf.slice(w, [dy, dx, 0, 0], [1, 1, cin, cout]), [cin, cout]);
        const z = tf.reshape(matMul2d(flat, wk as tf.Tensor2D), [n, h, wd, cout]) as tf.Tensor4D;
        const zs = dy === p ? z : mixAlongAxis(z, shiftMatrix(h, dy - p), h, 1);
        col = col === null ? zs : tf.add(col, zs) as tf.Tensor4D;
      }
      const cs = dx === p ? col! : mixAlongAxis(col!, shiftMatrix(wd, dx - p), wd, 2);
      y = y === null ? cs : tf.add(y, cs) as tf.Tensor4D;
    }
    return y!;
  });
}

/** The [size × size] matrix taking row i to input row i + d (zero outside): a zero-padded shift. */
function shiftMatrix(size: number, d: number): Float32Array {
  const m = new Float32Array(size * size);
  for (let i = 0; i < size; i++) {
    const j = i + d;
    if (j >= 0 && j < size) m[i * size + j] = 1;
  }
  return m;
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
