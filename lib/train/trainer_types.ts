/**
 * The types of a `Trainer`: what it needs of a config, its options, its saved state, what
 * a step returns, and the divergence rule of its loss guard.
 *
 * @module
 */
import type { Batch, Dataset } from "../data/types.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import type { InitState } from "./init_state.ts";
import type { Rng, RngState } from "../util/rng.ts";
import type { ResolvedTrainConfig } from "./resolve.ts";

/** Images (NHWC, normalised) and labels of one training micro-batch. */
export type TrainBatch = Pick<Batch, "x" | "y" | "n" | "h" | "w" | "c">;

/** What a `Trainer` needs of a training config (a `ResolvedTrainConfig` is one). */
export type TrainerConfig =
  & Pick<
    ResolvedTrainConfig,
    "modelConfig" | "optimizer" | "regularization" | "sparsity"
  >
  & { run: Pick<ResolvedTrainConfig["run"], "seed"> };

/** Options of `Trainer.create`. */
export interface TrainerOptions {
  /** Optimizer steps of the whole run (the prune-rate decay and the last update step need it). */
  totalSteps: number;
  /** Training data for the SNIP mask init (one batch from the "snip-data" stream). */
  dataset?: Dataset;
  /** Continue from a saved state instead of initialising (see `Trainer.state()`). */
  state?: TrainerState;
  /** Initial weights (and optionally masks) from a file (`--init`; ignored with `state`). */
  init?: InitState;
}

/** The named random streams of a run. */
export interface TrainerRng {
  /** Drop path. */
  dropout: Rng;
  /** Mixup / cutmix. */
  mix: Rng;
  /** Mask init and random regrowth. */
  mask: Rng;
}

/** The tensor groups of a trainer's state. */
export type TensorGroup = "param" | "buffer" | "adam_m" | "adam_v" | "ema";

/**
 * Everything a trainer needs to continue exactly: scalars, host copies of its tensor groups and
 * its masks. This is what checkpoints/state.safetensors holds.
 */
export interface TrainerState {
  /** Optimizer steps completed. */
  step: number;
  /** AdamW bias-correction counter. */
  adamT: number;
  /** States of the named Rng streams. */
  rng: { dropout: RngState; mix: RngState; mask: RngState };
  /** Parameters, buffers, AdamW moments and the EMA copy (empty without EMA), by name. */
  tensors: Readonly<Record<TensorGroup, ReadonlyMap<string, HostTensor>>>;
  /** Masks of the masked layers (empty for a dense model). */
  masks: ReadonlyMap<string, Uint8Array>;
}

/** Names of the tensor groups in messages. */
export const GROUP_NAMES: Record<TensorGroup, string> = {
  param: "parameter",
  buffer: "buffer",
  adam_m: "AdamW first moment",
  adam_v: "AdamW second moment",
  ema: "EMA copy",
};

/** A prune-and-grow update that happened. */
export interface TopologyUpdate {
  /** Optimizer step after which it ran. */
  step: number;
  /** Fraction of each layer's active weights pruned and regrown. */
  rate: number;
  /** Overall density of the maskable weights after the update. */
  density: number;
  /** Density per masked layer. */
  layers: Record<string, number>;
}

/** Outcome of one `Trainer.step`. */
export interface StepResult {
  /** Training loss of the step (mean over its micro-batches). */
  loss: number;
  /** Optimizer steps completed, this one included. */
  step: number;
  /** Images in the step. */
  images: number;
  /** The topology update this step triggered, if any. */
  topology: TopologyUpdate | null;
}

/**
 * A loss above this many times ln(K) (K classes) counts as divergence: cross-entropy starts near
 * ln K and a learning model stays within a few times of it, while a diverging one grows without
 * bound (one such step spoils the BN statistics, the moments and the EMA).
 */
export const DIVERGENCE_FACTOR = 50;

/** Whether a step's loss is NaN, infinite or diverged for a `k`-class problem. */
export function lossDiverged(loss: number, k: number): boolean {
  return !Number.isFinite(loss) || loss > DIVERGENCE_FACTOR * Math.log(Math.max(k, 2));
}
