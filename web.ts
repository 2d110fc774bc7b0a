/**
 * slak for browsers and plain tfjs: the models, the large-kernel depthwise op and weights loaded
 * from bytes, with no file system. Nothing this module imports touches `Deno`, `node:` built-ins
 * or native addons while it is imported (tests/web_entry_test.ts checks the module graph with
 * tools/host_audit.ts and imports it in a process without `globalThis.Deno`), so it can be bundled
 * for a browser (`deno bundle --platform browser web.ts`, or esbuild) or imported from Node/Bun.
 * File reading and writing, training, data sets and the CLI stay in `mod.ts`.
 *
 * tfjs: `tf` below is the toolkit's tfjs-core instance, with the cpu backend registered and the
 * webgpu backend loaded on demand by {@link initBackend}. tfjs keeps its engine and kernel registry
 * in a global, so an application's own `@tensorflow/tfjs` (the same 4.x version) shares them:
 * tensors pass both ways, and {@link registerOps} may be given that `tf` as its target.
 *
 * In a browser, keep the kernel thread count at its default (1): the thread pool starts Deno
 * workers.
 *
 * @example Build a tiny model, load weights from bytes, run it on the cpu backend
 * ```ts
 * import {
 *   buildModel, encodeSafetensors, exportStateDict, forward, initBackend, loadStateDict,
 *   readWeightsBytes, resolveModelConfig, tf,
 * } from "./web.ts";
 *
 * await initBackend("cpu");
 * const config = resolveModelConfig("slak_nano", { overrides: { numClasses: 10 } });
 * const model = buildModel(config, { seed: 0 });
 * // In a browser: new Uint8Array(await (await fetch("slak_nano.safetensors")).arrayBuffer())
 * const bytes = encodeSafetensors(await exportStateDict(model), {});
 * const { state } = readWeightsBytes(bytes, "slak_nano.safetensors");
 * loadStateDict(model, state, "slak_nano.safetensors");
 * const logits = forward(model, tf.zeros([1, 64, 64, 3]), { training: false });
 * if (logits.shape.join() !== "1,10") throw new Error(`logits [${logits.shape}]`);
 * ```
 *
 * @example The large-kernel depthwise op on its own
 * ```ts
 * import { initBackend, largeKernelDepthwiseConv2d, tf } from "./web.ts";
 *
 * await initBackend("cpu"); // registers the op's kernels, then selects the backend
 * const x = tf.ones([1, 16, 16, 4]) as tf.Tensor4D; // NHWC
 * const w = tf.ones([31, 31, 4, 1]) as tf.Tensor4D; // [kh, kw, C, 1]: one kernel per channel
 * const y = largeKernelDepthwiseConv2d(x, w); // stride 1, "same" padding
 * if (y.shape.join() !== "1,16,16,4") throw new Error(`y [${y.shape}]`);
 * ```
 *
 * @module
 */

// --- tfjs: the instance, and types used in signatures ---
export { tf, TFJS_VERSION } from "./lib/tf.ts";
export type {
  Rank,
  Scalar,
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor4D,
  Variable,
} from "@tensorflow/tfjs-core";

// --- backend and kernel registration ---
export {
  type BackendName,
  type BackendSelection,
  hasWebGpuAdapter,
  initBackend,
  initBackendSelection,
} from "./lib/ops/backend.ts";
export { type OpsBackend, type OpsRegistry, registerOps } from "./lib/ops/register_ops.ts";

// --- the large-kernel depthwise op ---
export {
  depthwiseFlops,
  type DepthwiseGeometry,
  depthwiseGeometry,
  type DepthwiseOptions,
  type DepthwiseProgramFamily,
  largeKernelDepthwiseBackpropFilter,
  largeKernelDepthwiseBackpropInput,
  largeKernelDepthwiseConv2d,
} from "./lib/ops/large_depthwise/mod.ts";
export { fusedDecomposedDepthwise } from "./lib/ops/fused_decomposed/mod.ts";
export {
  buildTapList,
  releaseTapList,
  sparseTapDepthwise,
  type TapKernel,
  type TapList,
  type TapListOptions,
} from "./lib/ops/sparse_taps/mod.ts";

// --- model configs and the zoo ---
export {
  type ConvNextConfig,
  type ModelConfig,
  type ModelConfigCommon,
  type PerStage,
  type SlakConfig,
  stageDims,
} from "./lib/config/model_config.ts";
export { MODEL_NAMES, MODEL_VARIANTS, type ModelVariant } from "./lib/models/variants.ts";
export {
  resolveModel,
  resolveModelConfig,
  type ResolveOptions,
  variantConfig,
} from "./lib/models/resolve.ts";
export type { Override, OverrideInput } from "./lib/config/layering.ts";
export { buildModel, type BuildOptions, disposeModel, type Model } from "./lib/models/model.ts";
export { forward, type ForwardOptions } from "./lib/models/forward.ts";
export { predictNchw } from "./lib/models/predict.ts";
export { countModel, type ModelCount, type StageCount } from "./lib/models/count.ts";
export { modelParamSpecs, type ParamKind, type ParamSpec } from "./lib/models/param_spec.ts";

// --- weights from bytes (no file system) ---
export {
  MODEL_CONFIG_METADATA_KEY,
  readWeightsBytes,
  type ReadWeightsOptions,
  type WeightsFile,
} from "./lib/models/weights_bytes.ts";
export { checkStateDict, exportStateDict, loadStateDict } from "./lib/models/state_dict.ts";
export type { HostData, HostDType, HostTensor } from "./lib/io/host_tensor.ts";
export { readPth } from "./lib/io/pth.ts";
export { encodeSafetensors, readSafetensors, type Safetensors } from "./lib/io/safetensors.ts";
export { encodeNpy, readNpy } from "./lib/io/npy.ts";
export {
  type ConvNeXtKeyLayout,
  detectConvNeXtLayout,
  type RemappedState,
  toOfficialConvNeXtKeys,
} from "./lib/io/convnext_keys.ts";

// --- re-parameterisation and merged inference ---
export { MERGED_FORMS, type MergedForm, type MergedModel } from "./lib/models/merged_form.ts";
export { reparameterize } from "./lib/models/reparam.ts";
export {
  forwardMerged,
  type MergedForwardOptions,
  type SparseMode,
} from "./lib/models/merged_forward.ts";

// --- utilities ---
export { Rng, type RngState } from "./lib/util/rng.ts";
// --- errors ---
export { ConfigError, DataError, UserError } from "./lib/util/errors.ts";
