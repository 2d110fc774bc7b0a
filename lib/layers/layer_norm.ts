/**
 * LayerNorm over the last (channel) axis of an NHWC or NC tensor: PyTorch's `F.layer_norm` and the
 * official channels_first LayerNorm (identical maths in NHWC). Runs through the toolkit's fused op
 * (one kernel on the cpu backend).
 *
 * @module
 */
import { layerNormLastAxis } from "../ops/mod.ts";
import type { tf } from "../tf.ts";

/** `(x − mean) / sqrt(var + eps) · weight + bias`, statistics over the last axis (biased var). */
export function layerNorm<T extends tf.Tensor>(
  x: T,
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
  eps = 1e-6,
): T {
  return layerNormLastAxis(x, weight, bias, eps);
}
