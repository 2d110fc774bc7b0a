/**
 * Shapes and reference helpers shared by the op tests: x [n,h,w,c] with kernel kh x kw, covering
 * odd sizes, C = 1, 3, 37, 249 (C % 4 != 0), kernels larger than the map, batch 1–4, and every
 * WebGPU program variant: small map covered by the kernel (H·W <= 36), line (long axis <= 64),
 * sliding window (long axis 70), plus 1x1.
 *
 * @module
 */
import { tf } from "../../lib/tf.ts";

/** [n, h, w, c, kh, kw] */
export type Case = [number, number, number, number, number, number];

export const CASES: Case[] = [
  [1, 5, 6, 1, 13, 5],
  [2, 9, 11, 3, 7, 3],
  [3, 12, 10, 37, 5, 11],
  [2, 7, 7, 249, 9, 9],
  [1, 14, 14, 8, 47, 5],
  [2, 16, 13, 5, 3, 31],
  [4, 6, 6, 4, 13, 13],
  [3, 5, 5, 3, 11, 11],
  [2, 6, 5, 8, 7, 9],
  [1, 8, 8, 12, 51, 51],
  [1, 3, 70, 2, 3, 5],
  [1, 70, 3, 4, 9, 1],
  [2, 4, 4, 3, 1, 1],
];

/** Seeded inputs for one case: x, filter and an upstream gradient dy. */
export function caseTensors(
  [n, h, w, c, kh, kw]: Case,
  seed: number,
): { x: tf.Tensor4D; filter: tf.Tensor4D; dy: tf.Tensor4D } {
  return {
    x: tf.randomNormal([n, h, w, c], 0, 1, "float32", seed) as tf.Tensor4D,
    filter: tf.randomNormal([kh, kw, c, 1], 0, 1, "float32", seed + 1) as tf.Tensor4D,
    dy: tf.randomNormal([n, h, w, c], 0, 1, "float32", seed + 2) as tf.Tensor4D,
  };
}

/** tfjs's own depthwise forward, dx and dW (the oracle), as host arrays. */
export function tfjsReference(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
): { y: Float32Array; dx: Float32Array; dw: Float32Array } {
  const attrs = { strides: 1, pad: "same", dilations: 1 };
  const y = tf.depthwiseConv2d(x, filter, 1, "same");
  const dx = tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter }, {
    ...attrs,
    inputShape: x.shape,
  }) as tf.Tensor;
  const dw = tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, {
    ...attrs,
    filterShape: filter.shape,
  }) as tf.Tensor;
  return {
    y: y.dataSync() as Float32Array,
    dx: dx.dataSync() as Float32Array,
    dw: dw.dataSync() as Float32Array,
  };
}

/** Asserts max |got − want| <= rtol · max |want| (relative to the tensor's scale). */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  what: string,
  rtol = 1e-4,
) {
  if (got.length !== want.length) {
    throw new Error(`${what}: length ${got.length} != ${want.length}`);
  }
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  if (!(maxDiff <= rtol * Math.max(scale, 1e-30))) {
    throw new Error(`${what}: max |diff| ${maxDiff} > ${rtol} x scale ${scale}`);
  }
}
