/**
 * Adaptive average pooling as PyTorch's `nn.AdaptiveAvgPool2d(out)`: output bin `i` of an axis of
 * size `in` averages the input rows `floor(i·in/out)` .. `ceil((i+1)·in/out) − 1` (bins may
 * overlap, and repeat rows when `out > in`). Separable, so two matrix products.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { mixAlongAxis } from "./axis_matrix.ts";

/** The [outSize, inSize] pooling matrix of one axis (row-major), PyTorch's bins. */
export function adaptivePoolMatrix(inSize: number, outSize: number): Float32Array {
  if (inSize < 1 || outSize < 1) {
    throw new RangeError(`adaptivePoolMatrix(): sizes must be ≥ 1, got ${inSize} → ${outSize}`);
  }
  const m = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  }
  return m;
}

/** `AdaptiveAvgPool2d([outH, outW])` of an NHWC map. */
export function adaptiveAvgPool(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  const [, h, w] = x.shape;
  const [oh, ow] = size;
  return tf.tidy(() => {
    if (oh === 1 && ow === 1) return tf.mean(x, [1, 2], true) as tf.Tensor4D;
    const y = mixAlongAxis(x, adaptivePoolMatrix(h, oh), oh, 1);
    return mixAlongAxis(y, adaptivePoolMatrix(w, ow), ow, 2);
  });
}
