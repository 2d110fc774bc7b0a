/**
 * Fused inference op for SLaK's decomposed large-kernel module after BN folding: the M×N and
 * N×M depthwise branches (the small N×N branch folded into them) plus bias, as one op. CPU: two
 * clipped passes into one buffer plus bias. WebGPU: each filter runs along its own long axis
 * (line programs), the second adding the first's output and the bias in its epilogue; maps with
 * a side over 64 use a single-dispatch sliding-window program instead.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { depthwiseGeometry } from "../large_depthwise/geometry.ts";
import { type DepthwiseOptions, familyAttrs } from "../large_depthwise/program_family.ts";
import { SLAK_FUSED_DECOMPOSED } from "./kernel_names.ts";

export { SLAK_FUSED_DECOMPOSED } from "./kernel_names.ts";

/**
 * y = depthwise(x, kTall) + depthwise(x, kWide) + bias, stride 1, 'same'. `x` is NHWC,
 * `kTall` [M, N, C, 1], `kWide` [N, M, C, 1] (any odd sides), `bias` [C]. Inference only (no
 * gradient). `opts.family` picks the WebGPU program family (default "auto"). Requires
 * registerOps() for the active backend.
 */
export function fusedDecomposedDepthwise(
  x: tf.Tensor4D,
  kTall: tf.Tensor4D,
  kWide: tf.Tensor4D,
  bias: tf.Tensor1D,
  opts: DepthwiseOptions = {},
): tf.Tensor4D {
  depthwiseGeometry(x.shape, kTall.shape);
  depthwiseGeometry(x.shape, kWide.shape);
  if (bias.shape[0] !== x.shape[3]) {
    throw new Error(`fusedDecomposedDepthwise: bias [${bias.shape}] must be [${x.shape[3]}]`);
  }
  return tf.engine().runKernel(
    SLAK_FUSED_DECOMPOSED,
    { x, kTall, kWide, bias },
    familyAttrs(opts),
  ) as tf.Tensor4D;
}
