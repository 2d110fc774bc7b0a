/**
 * The training config as TypeScript types, written out for readers and the API documentation.
 * The zod schemas in config.ts are the source of truth: config.ts checks at compile time that
 * these types are exactly the schemas' parsed types.
 *
 * @module
 */
import type { DataConfig } from "../data/config_types.ts";

/** `model`: a registry name plus overrides of any model field. */
export interface TrainModelConfig {
  /** Registry name (see `slak models`). */
  name: string;
  /** Model fields layered over the registry defaults (checked strictly when resolved). */
  overrides: Record<string, unknown>;
}

/** `optimizer`: AdamW with decoupled weight decay (none on 1-D parameters and biases). */
export interface OptimizerConfig {
  /** Peak learning rate. */
  lr: number;
  /** Decoupled weight decay (AdamW). */
  weightDecay: number;
  /** Moment decay rates (β1, β2). */
  betas: [number, number];
  /** Added to √v in AdamW's denominator. */
  eps: number;
  /** Images per forward/backward pass. */
  batchSize: number;
  /** Gradient accumulation: optimizer steps every `accumSteps` batches. */
  accumSteps: number;
}

/** `schedule`: linear warmup then per-step cosine to `minLr`. */
export interface ScheduleConfig {
  /** Training epochs. */
  epochs: number;
  /** Warmup length in epochs (may be fractional). */
  warmupEpochs: number;
  /** Learning rate at the end of the cosine. */
  minLr: number;
}

/** `sparsity`: SLaK's dynamic sparse training (active when the model's `sparsity` > 0). */
export interface SparsityConfig {
  /** Layer-wise density rule for the initial random masks. */
  init: "snip" | "erk" | "uniform";
  /** Prune-and-grow every `updateEvery` optimizer steps; null = static masks (official --fix). */
  updateEvery: number | null;
  /** Initial prune rate p0 (cosine-decayed over the run). */
  pruneRate: number;
  /** Growth rule. */
  growth: "random" | "gradient";
  /** Mask only the large-kernel branches (official --only-L). */
  onlyLargeKernel: boolean;
}

/** `regularization`: label smoothing, mixup/cutmix, EMA. */
export interface RegularizationConfig {
  /** Label smoothing ε. */
  labelSmoothing: number;
  /** Mixup alpha (0 = off). */
  mixup: number;
  /** CutMix alpha (0 = off). */
  cutmix: number;
  /** Probability of switching to cutmix when both are on. */
  mixSwitchProb: number;
  /** EMA decay of the weights (null = no EMA). */
  emaDecay: number | null;
}

/** `run`: seed, evaluation and checkpointing. */
export interface RunConfig {
  /** Root seed; split into named streams (init, data, dropout, mask, mix). */
  seed: number;
  /** Also checkpoint every N optimizer steps (0 = only at epoch ends). */
  checkpointEverySteps: number;
  /** Limit evaluation to this many test images (0 = all). */
  evalLimit: number;
  /**
   * Initial weights (and optionally masks): a .pth or .safetensors state_dict with official keys
   * (`slak train --init FILE`; see lib/train/init_state.ts). Absent = random init.
   */
  init?: string | undefined;
}

/**
 * `eval`: how the evaluation after each epoch is made reliable while training. Absent = the
 * default, `DEFAULT_EVAL_CONFIG` in config.ts (`bnRecalibration: {batches: 16}`); the section enters
 * the resolved config (and the run id) only when it is written, so run ids from before it existed
 * stay valid.
 */
export interface EvalConfig {
  /**
   * For models with BatchNorm: before each epoch's evaluation, the BN running statistics are set to
   * the plain average over `batches` training batches (training batch size, no augmentation or
   * mixing, drop path off) of the current weights, the test split is evaluated once more with
   * them (`recalibrated` in metrics.jsonl) and the live statistics are restored; `best` is chosen
   * by that figure. `false`: no recalibration (`best` by the eval-mode top-1 with running
   * statistics, which lags at high learning rates). Models without BatchNorm need none.
   */
  bnRecalibration: { batches: number } | false;
}

/** A parsed training config (defaults applied). */
export interface TrainConfig {
  /** The model: registry name plus overrides. */
  model: TrainModelConfig;
  /** The data set. */
  data: DataConfig;
  /** AdamW and batching. */
  optimizer: OptimizerConfig;
  /** Epochs and learning-rate schedule. */
  schedule: ScheduleConfig;
  /** Dynamic sparse training. */
  sparsity: SparsityConfig;
  /** Label smoothing, mixup/cutmix, EMA. */
  regularization: RegularizationConfig;
  /** Seed, evaluation and checkpointing. */
  run: RunConfig;
  /** Reliable evaluation during training (absent = the default, recalibration on 16 batches). */
  eval?: EvalConfig | undefined;
}
