/**
 * Gradient of the large depthwise conv: dx via the backprop-input kernel, dW via the
 * backprop-filter kernel (both ours, on whatever backend is active, with the forward's program
 * family).
 *
 * @module
 */
import { tf } from "../../tf.ts";
import {
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
} from "./kernel_names.ts";
import { familyOf } from "./program_family.ts";

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
