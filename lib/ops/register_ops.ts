/**
 * One list of every custom kernel and gradient, and an idempotent registerOps() that installs
 * them under our own kernel names (tfjs's own kernels are never overridden). Importing this file
 * registers nothing; call registerOps() (initBackend does).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { LARGE_DEPTHWISE_CPU_KERNELS } from "./large_depthwise/cpu_kernel.ts";
import { LARGE_DEPTHWISE_WEBGPU_KERNELS } from "./large_depthwise/webgpu_kernel.ts";
import { LARGE_DEPTHWISE_GRAD } from "./large_depthwise/grad.ts";
import { FUSED_DECOMPOSED_CPU_KERNELS } from "./fused_decomposed/cpu_kernel.ts";
import { MATMUL_CPU_KERNELS, MATMUL_GRAD } from "./matmul/mod.ts";
import { LAYER_NORM_CPU_KERNELS, LAYER_NORM_GRAD } from "./layer_norm/mod.ts";
import { GELU_CPU_KERNELS, GELU_GRAD, GELU_TRAIN_GRAD } from "./gelu/mod.ts";
import { ADAMW_CPU_KERNELS } from "./adamw/mod.ts";
import { CHANNEL_AFFINE_CPU_KERNELS, CHANNEL_AFFINE_GRAD } from "./channel_affine/mod.ts";
import { BATCH_NORM_CPU_KERNELS, BATCH_NORM_GRAD } from "./batch_norm/mod.ts";
import { FUSED_DECOMPOSED_WEBGPU_KERNELS } from "./fused_decomposed/webgpu_kernel.ts";
import { SPARSE_TAPS_CPU_KERNELS } from "./sparse_taps/cpu_kernel.ts";
import { SPARSE_TAPS_WEBGPU_KERNELS } from "./sparse_taps/webgpu_kernel.ts";
import { FUSED_ADD_CPU_KERNELS, FUSED_ADD_GRADS } from "./fused_add/mod.ts";
import { PATCHES_CPU_KERNELS, PATCHES_GRAD } from "./patchify/mod.ts";
import { installSameShapeAdd } from "./same_shape_add/mod.ts";
import { LINEAR_CPU_KERNELS, LINEAR_GRAD } from "./linear/mod.ts";
import { installFastBinary } from "./broadcast_binary/mod.ts";
import { installFastLayout } from "./cpu_layout/mod.ts";

/** Backends our kernels exist for. */
export type OpsBackend = "cpu" | "webgpu";

const KERNELS: Record<OpsBackend, tf.KernelConfig[]> = {
  cpu: [
    ...LARGE_DEPTHWISE_CPU_KERNELS,
    ...FUSED_DECOMPOSED_CPU_KERNELS,
    ...MATMUL_CPU_KERNELS,
    ...LAYER_NORM_CPU_KERNELS,
    ...GELU_CPU_KERNELS,
    ...ADAMW_CPU_KERNELS,
    ...CHANNEL_AFFINE_CPU_KERNELS,
    ...BATCH_NORM_CPU_KERNELS,
    ...SPARSE_TAPS_CPU_KERNELS,
    ...FUSED_ADD_CPU_KERNELS,
    ...PATCHES_CPU_KERNELS,
    ...LINEAR_CPU_KERNELS,
  ],
  webgpu: [
    ...LARGE_DEPTHWISE_WEBGPU_KERNELS,
    ...FUSED_DECOMPOSED_WEBGPU_KERNELS,
    ...SPARSE_TAPS_WEBGPU_KERNELS,
  ],
};

const GRADS: tf.GradConfig[] = [
  LARGE_DEPTHWISE_GRAD,
  MATMUL_GRAD,
  LAYER_NORM_GRAD,
  GELU_GRAD,
  GELU_TRAIN_GRAD,
  BATCH_NORM_GRAD,
  CHANNEL_AFFINE_GRAD,
  ...FUSED_ADD_GRADS,
  PATCHES_GRAD,
  LINEAR_GRAD,
];

/**
 * The kernel-registry functions of a tfjs instance (`tf` of `@tensorflow/tfjs` or tfjs-core):
 * where {@link registerOps} installs our kernels.
 */
export type OpsRegistry = Pick<
  typeof tf,
  "getKernel" | "registerKernel" | "getGradient" | "registerGradient"
>;

/**
 * Registers our kernels for the given backends (default both) and our gradients, into `target`
 * (default: the toolkit's own tfjs instance; tfjs keeps its registry in a global, so copies of
 * tfjs-core loaded in one page share it). Skips anything already registered, so repeated calls are
 * no-ops. The "webgpu" kernels can be registered before the webgpu backend exists (tfjs looks
 * kernels up by name when they run).
 */
export function registerOps(
  backends: readonly OpsBackend[] = ["cpu", "webgpu"],
  target: OpsRegistry = tf,
): void {
  for (const backend of backends) {
    for (const config of KERNELS[backend]) {
      if (target.getKernel(config.kernelName, backend) === undefined) target.registerKernel(config);
    }
  }
  for (const grad of GRADS) {
    if (target.getGradient(grad.kernelName) === undefined) target.registerGradient(grad);
  }
  if (backends.includes("cpu") && target === tf) {
    installSameShapeAdd(); // before installFastBinary, whose wrapper goes outside it
    installFastBinary();
    installFastLayout();
  }
}
