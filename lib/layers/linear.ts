/**
 * A linear layer over the last axis (PyTorch `nn.Linear` on channels-last tensors): weight in tfjs
 * layout [in, out], bias [out]. Runs through the toolkit's matmul and fused bias ops.
 *
 * @module
 */
import { channelAffine, matMul2d } from "../ops/mod.ts";
import { tf } from "../tf.ts";

/** `x · W + b` over the last axis of `x` (any rank ≥ 2). */
export function linear(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const shape = x.shape;
    const flat = tf.reshape(x, [-1, shape[shape.length - 1]!]) as tf.Tensor2D;
    const y = channelAffine(matMul2d(flat, weight), null, bias);
    return tf.reshape(y, [...shape.slice(0, -1), weight.shape[1]]);
  });
}
