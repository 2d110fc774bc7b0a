/**
 * Sparse-tap depthwise op, the inference path of a (merged) large-kernel depthwise conv whose
 * kernel is sparse: y = Σ_taps w · x(h + dy, w + dx) + bias, stride 1, 'same', NHWC. Per-channel
 * lists of the non-zero taps, a CPU kernel (no work on zero taps) and a WebGPU kernel (one
 * channel per workgroup), registered under one kernel name by registerOps(), and the cost rule
 * that decides when the sparse path beats the dense fused op. Inference only (no gradient).
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { SLAK_SPARSE_TAPS } from "./kernel_names.ts";
import type { TapList } from "./tap_list.ts";

export {
  buildTapList,
  sparseWorkRatio,
  tapDensity,
  type TapKernel,
  type TapList,
  type TapListOptions,
} from "./tap_list.ts";
export { sparseTapDepthwiseCpu } from "./cpu_forward.ts";
export { SLAK_SPARSE_TAPS } from "./kernel_names.ts";
export { releaseTapList } from "./webgpu_taps.ts";

/**
 * Sparse-tap depthwise conv of NHWC `x` with the taps of `taps` plus `bias` [C]. Taps must fit
 * the input (|dy| < H, |dx| < W, see buildTapList's h/w). On WebGPU the taps are uploaded once
 * per (tap list, padded width) and kept until releaseTapList(). Requires registerOps() (done by
 * initBackend) for the active backend.
 */
export function sparseTapDepthwise(x: tf.Tensor4D, taps: TapList, bias: tf.Tensor1D): tf.Tensor4D {
  const [, h, w, c] = x.shape;
  if (c !== taps.c || bias.shape[0] !== c) {
    throw new Error(`sparseTapDepthwise: x [${x.shape}] needs ${c}-channel taps and bias [${c}]`);
  }
  if (taps.maxDy >= h || taps.maxDx >= w) {
    throw new Error(
      `sparseTapDepthwise: taps reach ${taps.maxDy}x${taps.maxDx} but the input is ${h}x${w}; ` +
        `build the list with { h, w }`,
    );
  }
  return tf.engine().runKernel(
    SLAK_SPARSE_TAPS,
    { x, bias },
    { taps } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D;
}
