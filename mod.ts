/**
 * slak: sparse large-kernel ConvNets (SLaK, ICLR 2023) on TensorFlow.js with WebGPU kernels.
 *
 * The public API, by theme: backend selection; the large-kernel depthwise op (and its fused
 * decomposed and sparse-tap inference forms); model configs and the model zoo (official
 * state_dict names, so PyTorch checkpoints load one to one) with counting, prediction and
 * re-parameterisation; the `Trainer` engine and the `trainRun` driver; data sets and the loader;
 * SLaK's dynamic-sparsity masks; checkpoint and array I/O; effective receptive fields. The tfjs
 * instance the toolkit uses is the subpath export `./tf.ts` (`@slak/toolkit/tf`).
 *
 * @example Count SLaK-T and run a tiny model
 * ```ts
 * import { buildModel, countModel, forward, initBackend, resolveModelConfig } from "./mod.ts";
 * import { tf } from "./tf.ts";
 *
 * await initBackend("cpu");
 * const c = countModel(resolveModelConfig("slak_tiny"));
 * if (c.params.dense !== 50703838) throw new Error("SLaK-T has 50,703,838 parameters");
 * const config = resolveModelConfig("slak_nano", { overrides: { numClasses: 10 } });
 * const model = buildModel(config, { seed: 0 });
 * const logits = forward(model, tf.zeros([2, 64, 64, 3]), { training: false });
 * if (logits.shape.join() !== "2,10") throw new Error(`logits [${logits.shape}]`);
 * ```
 *
 * @module
 */

// --- tfjs types used in signatures (the tfjs instance itself: ./tf.ts) ---
export type {
  Rank,
  Scalar,
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor4D,
  Variable,
} from "@tensorflow/tfjs-core";

// --- backend ---
export {
  type BackendName,
  type BackendSelection,
  hasWebGpuAdapter,
  initBackend,
  initBackendSelection,
} from "./lib/ops/backend.ts";

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
export { countModel, type ModelCount, type StageCount } from "./lib/models/count.ts";
export { modelParamSpecs, type ParamKind, type ParamSpec } from "./lib/models/param_spec.ts";
export { predictNchw } from "./lib/models/predict.ts";

// --- checkpoints and arrays ---
export { checkStateDict, exportStateDict, loadStateDict } from "./lib/models/state_dict.ts";
export {
  readWeightsFile,
  type ReadWeightsOptions,
  type WeightsFile,
  writeWeightsFile,
} from "./lib/models/weights_file.ts";
export { readWeightsBytes } from "./lib/models/weights_bytes.ts";
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
export { loadMergedModel, writeMergedWeightsFile } from "./lib/models/merged_weights.ts";
export {
  forwardMerged,
  type MergedForwardOptions,
  type SparseMode,
} from "./lib/models/merged_forward.ts";

// --- training ---
export {
  loadTrainConfig,
  type ResolvedTrainConfig,
  resolveTrainConfig,
} from "./lib/train/resolve.ts";
export type {
  ClassificationTaskConfig,
  EvalConfig,
  LayerDecayConfig,
  OptimizerConfig,
  PolyConfig,
  RegularizationConfig,
  RunConfig,
  ScheduleConfig,
  SegmentationTaskConfig,
  SparsityConfig,
  TaskConfig,
  TrainConfig,
  TrainModelConfig,
} from "./lib/train/config_types.ts";
export type { BestMeasure } from "./lib/train/mid_eval.ts";
export type { FcnHeadConfig, UperHeadConfig } from "./lib/models/segmentation/config.ts";
export { AdamW, type AdamWOptions } from "./lib/train/adamw.ts";
export type { Sparse } from "./lib/train/sparse_state.ts";
export {
  type DensityGroup,
  type DensityReport,
  densityReport,
} from "./lib/train/density_report.ts";
export {
  DIVERGENCE_FACTOR,
  lossDiverged,
  type StepResult,
  type TensorGroup,
  type TopologyUpdate,
  type TrainBatch,
  Trainer,
  type TrainerConfig,
  type TrainerOptions,
  type TrainerRng,
  type TrainerState,
} from "./lib/train/trainer.ts";
export {
  type EpochRecord,
  type MetricsBase,
  type MetricsRecord,
  NonFiniteError,
  type RunFiles,
  runFiles,
  type StepRecord,
  type TopologyRecord,
  TrainInterrupted,
  type TrainProgress,
  type TrainResult,
  trainRun,
  type TrainRunOptions,
} from "./lib/train/run.ts";
export { lrAt, type LrSchedule, warmupSteps } from "./lib/train/schedule.ts";
export {
  eventFilesIn,
  EventWriter,
  type EventWriterOptions,
  readEventFile,
  type ScalarValue,
  type TfEvent,
} from "./lib/train/tfevents.ts";
export { evaluate } from "./lib/train/evaluate.ts";
export { type InitState, MASK_KEY_PREFIX, readInitState } from "./lib/train/init_state.ts";
export type { EvalResult, StateTensors } from "./lib/train/checkpoint.ts";

// --- data ---
export type {
  CanvasConfig,
  CifarConfig,
  DataConfig,
  DataConfigInput,
  Defaulted,
  FashionMnistConfig,
  ImageFolderConfig,
  NpyConfig,
  PathfinderConfig,
  SegShapesConfig,
  ShapesConfig,
} from "./lib/data/config_types.ts";
export type { Ade20kConfig, SegDataConfig } from "./lib/data/config_types.ts";
export type {
  BasicTrainTransform,
  PaperTrainTransform,
  RandAugmentSpec,
  RandomErasingConfig,
  RandomResizedCropConfig,
  TrainTransformConfig,
  TrainTransformInput,
} from "./lib/data/config_types.ts";
export type {
  Augment,
  Batch,
  Dataset,
  LoaderState,
  Normalize,
  RawSample,
  Sample,
  Split,
} from "./lib/data/types.ts";
export type { Progress } from "./lib/data/pathfinder_dataset.ts";
export { openDataset, type OpenOptions } from "./lib/data/open_dataset.ts";
export { Loader, type LoaderOptions, type LoaderStats } from "./lib/data/loader.ts";
export { checkDataSource } from "./lib/data/preflight.ts";

// --- sparse masks ---
export {
  applyMasks,
  densityByLayer,
  type DensityInput,
  type DensityMap,
  type DensityStrategy,
  densityStrategy,
  deserializeMasks,
  dropDenseMasks,
  GROWTH_STRATEGIES,
  type GrowthInput,
  type GrowthMode,
  type GrowthStrategy,
  initMasks,
  isUpdateStep,
  type LayerUpdateStats,
  maskableNames,
  type MaskableOptions,
  type MaskMap,
  masksFromNonzero,
  pruneAndGrow,
  type PruneGrowOptions,
  pruneRate,
  type PruneRateSchedule,
  serializeMasks,
  type ShapeMap,
  sparseEmaUpdate,
} from "./lib/sparse/mod.ts";

// --- effective receptive fields ---
export {
  accumulateErf,
  type AreaRatio,
  areaRatios,
  ERF_THRESHOLDS,
  type ErfAccumulator,
  erfAccumulator,
  erfMean,
} from "./lib/analysis/erf.ts";

// --- utilities ---
export { Rng, type RngState } from "./lib/util/rng.ts";
export { ConfigError, DataError, EXIT, UserError } from "./lib/util/errors.ts";
