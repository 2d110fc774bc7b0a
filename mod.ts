/**
 * slak: sparse large-kernel ConvNets (SLaK, ICLR 2023) on TensorFlow.js with WebGPU kernels.
 *
 * The public API: the tfjs instance the toolkit uses and backend selection, the large-kernel
 * depthwise op, model configs and the model zoo (official state_dict names, so PyTorch checkpoints
 * load one to one), counting, weight files, and the dynamic-sparsity core.
 *
 * @example Count SLaK-T and run a tiny model
 * ```ts
 * import { buildModel, countModel, forward, initBackend, resolveModelConfig, tf } from "./mod.ts";
 *
 * await initBackend("cpu");
 * const c = countModel(resolveModelConfig("slak_tiny"));
 * console.log(c.params.dense); // 50703838
 * const model = buildModel(resolveModelConfig("slak_nano"), { seed: 0 });
 * const logits = forward(model, tf.zeros([1, 64, 64, 3]), { training: false });
 * ```
 *
 * @module
 */
export { tf, TFJS_VERSION } from "./lib/tf.ts";
export * from "./lib/ops/mod.ts";
export * from "./lib/config/mod.ts";
export * from "./lib/models/mod.ts";
export * from "./lib/io/mod.ts";
export * from "./lib/sparse/mod.ts";
export { Rng, type RngState } from "./lib/util/rng.ts";
export { ConfigError, DataError, UserError } from "./lib/util/errors.ts";
