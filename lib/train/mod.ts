/**
 * Training: the config schema and its resolution, AdamW, the warmup-cosine schedule, losses,
 * mixup/cutmix, evaluation (with BN recalibration during training), checkpoints, the `Trainer`
 * engine and the `trainRun` driver.
 *
 * @module
 */
export * from "./config.ts";
export {
  dataShape,
  loadTrainConfig,
  type ResolvedTrainConfig,
  resolveTrainConfig,
} from "./resolve.ts";
export { AdamW, type AdamWOptions, decays } from "./adamw.ts";
export { lrAt, type LrSchedule, warmupSteps } from "./schedule.ts";
export { addEvalBatch, type EvalSums, smoothTargets, softCrossEntropy } from "./loss.ts";
export { mixBatch, type MixOptions, sampleBeta, sampleGamma } from "./mix.ts";
export { evaluate } from "./evaluate.ts";
export {
  type BnBuffers,
  bnLayers,
  hasBatchNorm,
  recalibrateBn,
  withRecalibratedBn,
} from "./bn_recalibrate.ts";
export {
  type BestMeasure,
  evaluateDuringTraining,
  type MidRunEval,
  type MidRunEvalOptions,
} from "./mid_eval.ts";
export {
  type EvalResult,
  readState,
  STATE_KEY,
  type TrainState,
  writeState,
} from "./checkpoint.ts";
export { environmentInfo, gitInfo } from "./meta.ts";
export {
  applyInitState,
  checkInitState,
  initMasks,
  initProvenance,
  type InitState,
  loadInitWeights,
  MASK_KEY_PREFIX,
  readInitState,
} from "./init_state.ts";
export {
  epochScalars,
  EVENT_FILE_PREFIX,
  eventFileName,
  eventFilesIn,
  EventWriter,
  type EventWriterOptions,
  FILE_VERSION,
  readEventFile,
  type ScalarValue,
  stepScalars,
  type TfEvent,
  topologyScalars,
} from "./tfevents.ts";
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
} from "./trainer.ts";
export { type CheckpointReason, RunFolder } from "./run_folder.ts";
export {
  type EpochRecord,
  type MetricsRecord,
  NonFiniteError,
  runFiles,
  type StepRecord,
  type TopologyRecord,
  TrainInterrupted,
  type TrainProgress,
  type TrainResult,
  trainRun,
  type TrainRunOptions,
} from "./run.ts";
