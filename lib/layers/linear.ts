/**
 * A linear layer over the last axis (PyTorch `nn.Linear` on channels-last tensors): weight in tfjs
 * layout [in, out], bias [out], optionally followed by the exact GELU or a per-channel scale (a
 * ConvNeXt block's pwconv1 → GELU and pwconv2 → layer scale). Runs as one fused op on the cpu
 * backend (lib/ops/linear), the same values as the unfused matmul, bias, GELU and scale ops.
 *
 * @module
 */
import { linearFused, type LinearFusedOptions } from "../ops/linear/mod.ts";
import { tf } from "../tf.ts";

/** What follows `x · W + b`: the exact GELU, or a per-output-channel scale [out]. */
export type LinearOptions = LinearFusedOptions;

/** `x · W + b` over the last axis of `x` (any rank ≥ 2), then GELU or `· scale` per `opts`. */
export function linear(
  x: tf.Tensor,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D,
  opts: LinearOptions = {},
): tf.Tensor {
  return tf.tidy(() => {
    const shape = x.shape;
    const flat = tf.reshape(x, [-1, shape[shape.length - 1]!]) as tf.Tensor2D;
    const y = linearFused(flat, weight, bias, opts);
    return tf.reshape(y, [...shape.slice(0, -1), weight.shape[1]]);
  });
}
