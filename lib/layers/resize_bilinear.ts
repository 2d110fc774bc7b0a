/**
 * Bilinear resizing as PyTorch's `F.interpolate(x, size, mode="bilinear", align_corners=False)`
 * (what mmsegmentation's `resize` calls with `align_corners=False`): source coordinate
 * `(d + 0.5) · in/out − 0.5`, clamped at 0, interpolated between its floor and the next pixel
 * (the last pixel repeats at the far edge). Separable, so two matrix products; exact gradients.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { mixAlongAxis } from "./axis_matrix.ts";

/**
 * The [outSize, inSize] interpolation matrix of one axis (row-major): PyTorch's bilinear weights
 * for `align_corners=False` with the scale `inSize / outSize`.
 */
export function bilinearMatrix(inSize: number, outSize: number): Float32Array {
  if (inSize < 1 || outSize < 1) {
    throw new RangeError(`bilinearMatrix(): sizes must be ≥ 1, got ${inSize} → ${outSize}`);
  }
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const src = Math.max((d + 0.5) * scale - 0.5, 0);
    const i0 = Math.floor(src);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = src - i0;
    m[d * inSize + i0]! += 1 - l1;
    m[d * inSize + i1]! += l1;
  }
  return m;
}

/**
 * Resizes an NHWC map to `[outH, outW]` as PyTorch's bilinear `F.interpolate` with
 * `align_corners=False`. An axis that keeps its size is left untouched (the weights would be the
 * identity).
 */
export function resizeBilinear(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  const [, h, w] = x.shape;
  const [oh, ow] = size;
  return tf.tidy(() => {
    let y = x;
    if (oh !== h) y = mixAlongAxis(y, bilinearMatrix(h, oh), oh, 1);
    if (ow !== w) y = mixAlongAxis(y, bilinearMatrix(w, ow), ow, 2);
    return y === x ? tf.clone(x) : y;
  });
}
