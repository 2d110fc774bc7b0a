/**
 * The large-kernel module of a SLaK block (official `ReparamLargeKernelConv`): parallel depthwise
 * branches on the same input, each optionally followed by BatchNorm, summed. Also the ConvNeXt
 * depthwise conv (one branch with bias, no BN). Every branch runs through the toolkit's
 * large-kernel depthwise op.
 *
 * @module
 */
import { addSame, largeKernelDepthwiseConv2d } from "../ops/mod.ts";
import { tf } from "../tf.ts";
import { batchNorm, type BatchNormParams } from "./batch_norm.ts";

/** One depthwise branch: weight [kh, kw, C, 1], then BN, a bias, or nothing. */
export interface DepthwiseBranch {
  weight: tf.Variable;
  bn?: BatchNormParams;
  bias?: tf.Variable;
}

/** Σ_branches post(dwconv(x, W_b)), summed in branch order by one fused add. */
export function largeKernelModule(
  x: tf.Tensor4D,
  branches: readonly DepthwiseBranch[],
  training: boolean,
): tf.Tensor4D {
  return tf.tidy(() => {
    const ys = branches.map((br) => {
      let y = largeKernelDepthwiseConv2d(x, br.weight as tf.Tensor4D);
      if (br.bn) y = batchNorm(y, br.bn, training);
      if (br.bias) y = tf.add(y, br.bias);
      return y;
    });
    return addSame(ys);
  });
}
