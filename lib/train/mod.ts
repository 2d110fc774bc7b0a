/**
 * Training: the config schema and its resolution, AdamW, the warmup-cosine schedule, losses,
 * mixup/cutmix, evaluation, checkpoints and `trainRun`.
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
  type MetricsRecord,
  NonFiniteError,
  runFiles,
  TrainInterrupted,
  type TrainProgress,
  type TrainResult,
  trainRun,
  type TrainRunOptions,
} from "./run.ts";
