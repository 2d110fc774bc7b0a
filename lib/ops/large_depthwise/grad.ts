/**
 * Gradient of the large depthwise conv: dx via the backprop-input kernel, dW via the
 * backprop-filter kernel (both ours, on whatever backend is active, with the forward's program
 * family). On the cpu backend with the fused ops on, both come from one kernel
 * ("SlakDepthwiseConv2dGrad", run once per gradient) that packs dy once for the two; same bits.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import {
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
  SLAK_DEPTHWISE_GRAD,
} from "./kernel_names.ts";
import { familyOf } from "./program_family.ts";

let fusedGradOn = true;

/**
 * Whether the cpu backend runs the depthwise conv's two gradients as one kernel (default) or as
 * the two separate kernels (same bits; for before/after timings and tests). Returns the previous
 * setting.
 */
export function useFusedDepthwiseGrad(on: boolean): boolean {
  const was = fusedGradOn;
  fusedGradOn = on;
  return was;
}

/** Registered with tf.registerGradient by registerOps(). */
export const LARGE_DEPTHWISE_GRAD: tf.GradConfig = {
  kernelName: SLAK_DEPTHWISE,
  inputsToSave: ["x", "filter"],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [x, filter] = saved;
    if (x === undefined || filter === undefined) {
      throw new Error(
        `${SLAK_DEPTHWISE} gradient: expected saved x and filter, got ${saved.length}`,
      );
    }
    const g = dy as tf.Tensor;
    const family = familyOf(attrs);
    if (fusedGradOn && fusedCpu()) {
      const both = tf.engine().runKernel(
        SLAK_DEPTHWISE_GRAD,
        { x, dy: g, filter },
        { filterShape: filter.shape, family },
      ) as unknown as tf.Tensor[];
      return { x: () => both[0]!, filter: () => both[1]! };
    }
    return {
      x: () =>
        tf.engine().runKernel(
          SLAK_DEPTHWISE_BACKPROP_INPUT,
          { dy: g, filter },
          { inputShape: x.shape, family },
        ) as tf.Tensor,
      filter: () =>
        tf.engine().runKernel(
          SLAK_DEPTHWISE_BACKPROP_FILTER,
          { x, dy: g },
          { filterShape: filter.shape, family },
        ) as tf.Tensor,
    };
  },
};
