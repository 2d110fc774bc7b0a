/**
 * The training config as TypeScript types, written out for readers and the API documentation.
 * The zod schemas in config.ts are the source of truth: config.ts checks at compile time that
 * these types are exactly the schemas' parsed types.
 *
 * @module
 */
import type { DataConfig } from "../data/config_types.ts";
import type { FcnHeadConfig, UperHeadConfig } from "../models/segmentation/config.ts";

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
  /**
   * Layer-wise learning-rate decay of the backbone (official segmentation
   * `LearningRateDecayOptimizerConstructor`); absent = one lr for every parameter. Segmentation only.
   */
  layerDecay?: LayerDecayConfig | undefined;
}

/**
 * Layer-wise lr decay: parameter group g of G = `numLayers` + 2 gets lr · `rate`^(G − g − 1).
 * `stage_wise`: downsampling layers g = 0, stage s g = s + 1, everything else (output norms,
 * heads) g = G − 1 (scale 1). `layer_wise`: stem 0, stage 0 → 1, stage 1 and downsampling 1 → 2,
 * downsampling 2 → 3, stage 2 block b → 3 + ⌊b/3⌋, stage 3 and downsampling 3 → `numLayers`,
 * everything else `numLayers` + 1.
 */
export interface LayerDecayConfig {
  /** Decay per group (0.9 in the paper's ADE20K 160K configs). */
  rate: number;
  /** The constructor's `num_layers` (6 in the paper). */
  numLayers: number;
  /** Grouping rule (`stage_wise` in the paper's configs). */
  type: "stage_wise" | "layer_wise";
}

/**
 * mmcv's poly policy with linear warmup (`lr_config = dict(policy='poly', warmup='linear', ...)`):
 * regular lr = (lr − minLr)·(1 − i/T)^power + minLr, and during the warmup steps W the regular lr
 * times 1 − (1 − i/W)(1 − warmupRatio).
 */
export interface PolyConfig {
  /** Exponent of the decay (1.0 in mmseg's schedules). */
  power: number;
  /** Factor of the lr at step 0 of the warmup (1e-6). */
  warmupRatio: number;
}

/** `schedule`: linear warmup then per-step cosine to `minLr` (or, with `poly`, mmcv's poly). */
export interface ScheduleConfig {
  /** Training epochs. */
  epochs: number;
  /** Warmup length in epochs (may be fractional). */
  warmupEpochs: number;
  /** Learning rate at the end of the cosine (or the poly decay). */
  minLr: number;
  /** mmcv's poly decay with linear warmup instead of the cosine; absent = cosine. */
  poly?: PolyConfig | undefined;
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

/** `task: {kind: classification}` (the default when `task` is absent): one class per image. */
export interface ClassificationTaskConfig {
  /** Discriminator. */
  kind: "classification";
}

/**
 * `task: {kind: segmentation}`: the model's backbone (multi-scale outputs) with mmseg's UPerHead
 * and auxiliary FCNHead, pixel cross-entropy, mIoU evaluation (lib/train/seg_run.ts). An "epoch"
 * is `stepsPerEpoch` optimizer steps (mmseg's evaluation interval; the sampler cycles the training
 * set endlessly, as mmseg's iteration-based runner).
 */
export interface SegmentationTaskConfig {
  /** Discriminator. */
  kind: "segmentation";
  /** Optimizer steps per epoch: evaluation and checkpoint interval. */
  stepsPerEpoch: number;
  /** Backbone stages (0..3) feeding the heads. */
  outIndices: number[];
  /** The UPerHead. */
  head: UperHeadConfig;
  /** The auxiliary FCNHead (null: none). */
  aux: FcnHeadConfig | null;
  /** Evaluate with sliding windows as mmseg's `mode='slide'` (false: whole image). */
  slidingWindow: boolean;
}

/** The task a run trains for. */
export type TaskConfig = ClassificationTaskConfig | SegmentationTaskConfig;

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
  /** The task (absent = classification; written only when given, so old run ids stay valid). */
  task?: TaskConfig | undefined;
}
