/**
 * Training: the config schema and its resolution, AdamW, the warmup-cosine schedule, losses,
 * mixup/cutmix, evaluation, checkpoints, the `Trainer` engine and the `trainRun` driver.
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
  type EvalResult,
  readState,
  STATE_KEY,
  type TrainState,
  writeState,
} from "./checkpoint.ts";
export { environmentInfo, gitInfo } from "./meta.ts";
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
  type TopologyRecord,
  TrainInterrupted,
  type TrainProgress,
  type TrainResult,
  trainRun,
  type TrainRunOptions,
} from "./run.ts";
