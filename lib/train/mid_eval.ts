/**
 * The evaluation after each training epoch, and which of its figures chooses the `best`
 * checkpoint.
 *
 * Two measures of the same weights on the test split:
 * - `top1` (always): eval mode with the BN running statistics, as the official `evaluate` does.
 *   It is the figure of record: the final result and every table use it, so results stay
 *   comparable with the official code. For a model with BatchNorm it lags during training: the
 *   running statistics are a momentum-0.1 average over the last ~10 batches of *earlier* weights,
 *   and at a high learning rate the weights move faster than that, so it can read near chance
 *   while the training loss falls.
 * - `recalibrated` (models with BatchNorm, unless `eval.bnRecalibration` is false): eval mode
 *   with the BN statistics recomputed for the current weights on a fixed set of training batches
 *   (see bn_recalibrate.ts); the live statistics are restored afterwards, so the training is
 *   unchanged. The EMA model, when there is one, is recalibrated on the same batches
 *   (`emaRecalibrated`).
 *
 * `best` is chosen by `recalibrated.top1` when it exists, else by `top1` (exact for a model
 * without BatchNorm: LayerNorm has no running statistics); the epoch record names the figure
 * in `bestBy`. It is always the live model's figure: best.safetensors holds the live weights, and
 * the EMA figures (with and without recalibration) are recorded beside it, as the official code
 * reports the EMA accuracy separately.
 *
 * Cost: per model, `batches` training-mode forward passes plus one more pass over the test split;
 * about 12 % of an epoch at the small scale (16 batches of 32, 62 steps per epoch, 500 test
 * images; measured as a ratio on a loaded 2-core machine).
 *
 * @module
 */
import { Loader } from "../data/loader.ts";
import type { Dataset } from "../data/types.ts";
import type { Model } from "../models/model.ts";
import { hasBatchNorm, withRecalibratedBn } from "./bn_recalibrate.ts";
import type { EvalResult } from "./checkpoint.ts";
import type { EvalConfig } from "./config_types.ts";
import { evaluate } from "./evaluate.ts";
import type { TrainBatch } from "./trainer_types.ts";

/** The figure that chose `best`: a field path of the epoch record. */
export type BestMeasure = "top1" | "recalibrated.top1";

/** The evaluations after one epoch. */
export interface MidRunEval {
  /** The model in eval mode with its running statistics (official; the figure of record). */
  model: EvalResult;
  /** The EMA model, likewise (null without EMA). */
  ema: EvalResult | null;
  /** The model with recalibrated BN statistics (null: no BatchNorm or recalibration off). */
  recalibrated: EvalResult | null;
  /** The EMA model with recalibrated BN statistics (null: no EMA, no BatchNorm or off). */
  emaRecalibrated: EvalResult | null;
  /** Which figure chooses `best`. */
  bestBy: BestMeasure;
  /** That figure's value. */
  bestTop1: number;
}

/** Options of {@link evaluateDuringTraining}. */
export interface MidRunEvalOptions {
  /** Evaluation batch size. */
  batchSize: number;
  /** Test images to evaluate (0 = all). */
  limit: number;
  /** Training batch size (the recalibration batches have it). */
  trainBatchSize: number;
  /** Root seed: the recalibration batches are the first of the training order of epoch 1. */
  seed: number;
  /** The config's `eval` section (or its default). */
  eval: EvalConfig;
}

/**
 * The recalibration batches: the first `count` batches of the training split in the order of
 * the run's first epoch (the "data" stream of `seed`), without augmentation — the same images at
 * every epoch, so successive figures differ only by the weights. At most one epoch.
 */
async function* recalibrationBatches(
  ds: Dataset,
  opts: { batchSize: number; seed: number; count: number },
): AsyncGenerator<TrainBatch> {
  const loader = new Loader(ds, {
    split: "train",
    batchSize: opts.batchSize,
    seed: opts.seed,
    augment: false,
    prefetch: false,
  });
  try {
    const count = Math.min(opts.count, loader.batchesPerEpoch);
    for (let i = 0; i < count; i++) yield await loader.next();
  } finally {
    loader.close();
  }
}

/**
 * Evaluates a model (and its EMA copy) after an epoch: the official eval-mode figures, and for a
 * model with BatchNorm the recalibrated ones (see the module doc). Leaves every parameter and
 * buffer as it found them.
 *
 * @param model the live model
 * @param emaModel its EMA copy, or null
 * @param ds the data set (test split evaluated, train split for recalibration)
 */
export async function evaluateDuringTraining(
  model: Model,
  emaModel: Model | null,
  ds: Dataset,
  opts: MidRunEvalOptions,
): Promise<MidRunEval> {
  const ev = { batchSize: opts.batchSize, limit: opts.limit };
  const official = await evaluate(model, ds, ev);
  const ema = emaModel ? await evaluate(emaModel, ds, ev) : null;
  const recal = opts.eval.bnRecalibration;
  if (recal === false || !hasBatchNorm(model)) {
    return {
      model: official,
      ema,
      recalibrated: null,
      emaRecalibrated: null,
      bestBy: "top1",
      bestTop1: official.top1,
    };
  }
  const models = emaModel ? [model, emaModel] : [model];
  const batches = recalibrationBatches(ds, {
    batchSize: opts.trainBatchSize,
    seed: opts.seed,
    count: recal.batches,
  });
  const [recalibrated, emaRecalibrated] = await withRecalibratedBn(models, batches, async () =>
    [
      await evaluate(model, ds, ev),
      emaModel ? await evaluate(emaModel, ds, ev) : null,
    ] as const);
  return {
    model: official,
    ema,
    recalibrated,
    emaRecalibrated,
    bestBy: "recalibrated.top1",
    bestTop1: recalibrated.top1,
  };
}
