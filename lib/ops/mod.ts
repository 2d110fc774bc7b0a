/**
 * Custom ops. PLACEHOLDER until the WGSL kernels land (issue 3): the op below is the stock tfjs
 * depthwise conv; the signature is the contract the models rely on.
 *
 * @module
 */
import { tf } from "../tf.ts";

/**
 * Depthwise 2-D convolution with stride 1 and 'same' padding (kh//2, kw//2 per axis), the op
 * every large-kernel branch uses. `x` is NHWC, `filter` is [kh, kw, C, 1] (as tf.depthwiseConv2d).
 */
export function largeKernelDepthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return tf.depthwiseConv2d(x, filter, 1, "same");
}

/** Backend names accepted by {@link initBackend}. */
export type BackendName = "cpu" | "webgpu" | "auto";

/** Selects a backend (auto = webgpu when an adapter exists, else cpu). Returns the chosen name. */
export async function initBackend(name: BackendName): Promise<"cpu" | "webgpu"> {
  if (name === "cpu") {
    await tf.setBackend("cpu");
    return "cpu";
  }
  await import("@tensorflow/tfjs-backend-webgpu");
  const ok = await tf.setBackend("webgpu").catch(() => false);
  if (ok) return "webgpu";
  if (name === "webgpu") throw new Error("WebGPU backend unavailable: no adapter");
  await tf.setBackend("cpu");
  return "cpu";
}
