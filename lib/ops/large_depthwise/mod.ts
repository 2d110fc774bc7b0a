/**
 * Large-kernel depthwise conv (stride 1, 'same'): the op every large-kernel branch uses, with
 * our own CPU and WebGPU kernels registered under new names by registerOps().
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { depthwiseGeometry } from "./geometry.ts";
import { type DepthwiseOptions, familyAttrs } from "./program_family.ts";
import {
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
} from "./kernel_names.ts";

export {
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
} from "./kernel_names.ts";
export { depthwiseFlops, type DepthwiseGeometry, depthwiseGeometry } from "./geometry.ts";
export type { DepthwiseOptions, DepthwiseProgramFamily } from "./program_family.ts";
export { wasmDepthwiseSupport } from "./wasm_depthwise.ts";

/**
 * Depthwise 2-D conv, stride 1, 'same' padding (kh//2, kw//2), odd kernel sides. `x` is NHWC,
 * `filter` is [kh, kw, C, 1] (as tf.depthwiseConv2d). Differentiable via tf.grads (the gradient
 * kernels run with the same program family).
 * Requires registerOps() (done by initBackend) for the active backend.
 *
 * @example A 31×5 kernel gives what tfjs's own depthwise conv gives
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { tf } from "../../tf.ts";
 * import { largeKernelDepthwiseConv2d } from "./mod.ts";
 *
 * await initBackend("cpu");
 * const x = tf.randomNormal([2, 16, 16, 4], 0, 1, "float32", 1) as tf.Tensor4D;
 * const w = tf.randomNormal([31, 5, 4, 1], 0, 1, "float32", 2) as tf.Tensor4D;
 * const ours = largeKernelDepthwiseConv2d(x, w);
 * const ref = tf.depthwiseConv2d(x, w, 1, "same");
 * const err = tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0]!;
 * if (!(err < 1e-4)) throw new Error(`max error ${err}`);
 * ```
 */
export function largeKernelDepthwiseConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  opts: DepthwiseOptions = {},
): tf.Tensor4D {
  depthwiseGeometry(x.shape, filter.shape);
  return tf.engine().runKernel(
    SLAK_DEPTHWISE,
    { x, filter },
    familyAttrs(opts),
  ) as tf.Tensor4D;
}

/** The data gradient dx of {@link largeKernelDepthwiseConv2d} for upstream gradient dy. */
export function largeKernelDepthwiseBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  opts: DepthwiseOptions = {},
): tf.Tensor4D {
  depthwiseGeometry(dy.shape, filter.shape);
  return tf.engine().runKernel(
    SLAK_DEPTHWISE_BACKPROP_INPUT,
    { dy, filter },
    { inputShape: dy.shape, ...familyAttrs(opts) },
  ) as tf.Tensor4D;
}

/** The filter gradient dW [kh, kw, C, 1] of {@link largeKernelDepthwiseConv2d}. */
export function largeKernelDepthwiseBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  opts: DepthwiseOptions = {},
): tf.Tensor4D {
  depthwiseGeometry(x.shape, filterShape);
  return tf.engine().runKernel(
    SLAK_DEPTHWISE_BACKPROP_FILTER,
    { x, dy },
    { filterShape, ...familyAttrs(opts) },
  ) as tf.Tensor4D;
}
