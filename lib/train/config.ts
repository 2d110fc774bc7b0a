/**
 * The training config (`slak train --config F`): sections model, data, optimizer, schedule,
 * sparsity, regularization and run. Strict: unknown keys and out-of-range values are rejected.
 * The resolved form (defaults filled, model config expanded) is what a run records in
 * config.json and what its run id hashes.
 *
 * @module
 */
import { z } from "zod";
import { assertSame, type Same } from "../util/same_type.ts";
import type {
  EvalConfig,
  LayerDecayConfig,
  PolyConfig,
  SegmentationTaskConfig,
  TaskConfig,
  TrainConfig,
} from "./config_types.ts";

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
} from "./config_types.ts";
import type { OpenPaths } from "../config/layering.ts";
import { NamedOverridesSchema } from "../config/named.ts";
import { DataConfigSchema } from "../data/config.ts";

/** `model`: a registry name plus overrides of any model field (`{name, overrides}`). */
export const TrainModelSchema = NamedOverridesSchema;

/** `optimizer`: AdamW with decoupled weight decay (none on 1-D parameters and biases). */
export const OptimizerSchema = z.strictObject({
  /** Peak learning rate. */
  lr: z.number().positive().default(4e-3),
  /** Decoupled weight decay (AdamW). */
  weightDecay: z.number().min(0).default(0.05),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
  eps: z.number().positive().default(1e-8),
  /** Images per forward/backward pass. */
  batchSize: z.int().min(1).default(32),
  /** Gradient accumulation: optimizer steps every `accumSteps` batches. */
  accumSteps: z.int().min(1).default(1),
  /** Layer-wise lr decay (segmentation); optional without a default (run ids unchanged). */
  layerDecay: z.strictObject({
    rate: z.number().gt(0).max(1),
    numLayers: z.int().min(1).max(64),
    type: z.enum(["stage_wise", "layer_wise"]).default("stage_wise"),
  }).optional(),
});

/** `schedule`: linear warmup then per-step cosine to `minLr`. */
export const ScheduleSchema = z.strictObject({
  epochs: z.int().min(1).default(10),
  warmupEpochs: z.number().min(0).default(1),
  minLr: z.number().min(0).default(1e-6),
  /** mmcv's poly decay with linear warmup; optional without a default (run ids unchanged). */
  poly: z.strictObject({
    power: z.number().positive().default(1),
    warmupRatio: z.number().min(0).max(1).default(1e-6),
  }).optional(),
});

/** `sparsity`: SLaK's dynamic sparse training (active when the model's `sparsity` > 0). */
export const SparsitySchema = z.strictObject({
  /** Layer-wise density rule for the initial random masks. */
  init: z.enum(["snip", "erk", "uniform"]).default("snip"),
  /** Prune-and-grow every `updateEvery` optimizer steps; null = static masks (official --fix). */
  updateEvery: z.int().min(1).nullable().default(2000),
  /** Initial prune rate p0 (cosine-decayed to 0.005 over the run). */
  pruneRate: z.number().min(0).max(1).default(0.5),
  /** Growth rule. */
  growth: z.enum(["random", "gradient"]).default("random"),
  /** Mask only the large-kernel branches (official --only-L). */
  onlyLargeKernel: z.boolean().default(false),
});

/** `regularization`: label smoothing, mixup/cutmix, EMA. */
export const RegularizationSchema = z.strictObject({
  labelSmoothing: z.number().min(0).lt(1).default(0.1),
  /** Mixup alpha (0 = off). */
  mixup: z.number().min(0).default(0),
  /** CutMix alpha (0 = off). */
  cutmix: z.number().min(0).default(0),
  /** Probability of switching to cutmix when both are on. */
  mixSwitchProb: z.number().min(0).max(1).default(0.5),
  /** EMA decay of the weights (null = no EMA). */
  emaDecay: z.number().gt(0).lt(1).nullable().default(null),
});

/** `run`: seed, evaluation and checkpointing. */
export const RunSchema = z.strictObject({
  /** Root seed; split into named streams (init, data, dropout, mask, mix). */
  seed: z.int().min(0).default(0),
  /** Also checkpoint every N optimizer steps (0 = only at epoch ends). */
  checkpointEverySteps: z.int().min(0).default(0),
  /** Limit evaluation to this many test images (0 = all). */
  evalLimit: z.int().min(0).default(0),
  /**
   * Initial weights (+ optional `masks.<name>` tensors) from a .pth/.safetensors state_dict
   * (`--init FILE`). Optional without a default, so configs without it keep their run ids.
   */
  init: z.string().min(1).optional(),
});

/**
 * `eval`: reliable evaluation during training (see `EvalConfig`). Optional without a default, so
 * that configs written before it keep their resolved form and run ids; absent means
 * {@link DEFAULT_EVAL_CONFIG}.
 */
export const EvalSchema = z.strictObject({
  /** BN recalibration before each epoch's evaluation: `{batches: N}` (1..1000) or false. */
  bnRecalibration: z.union([
    z.literal(false),
    z.strictObject({ batches: z.int().min(1).max(1000) }),
  ]).default({ batches: 16 }),
});

/**
 * The evaluation settings of a config without an `eval` section: BN statistics recalibrated on
 * 16 training batches (512 images at batch size 32: a per-channel mean and variance estimate far
 * tighter than the drift it corrects, for about 16 forward passes per epoch).
 */
export const DEFAULT_EVAL_CONFIG: EvalConfig = EvalSchema.parse({});

/** The evaluation settings of a parsed config (its `eval` section or the default). */
export function evalConfigOf(config: Pick<TrainConfig, "eval">): EvalConfig {
  return config.eval ?? DEFAULT_EVAL_CONFIG;
}

const positive = z.int().min(1);

/** `task: {kind: segmentation, ...}` (defaults: the paper's heads, `upernet_SLaK.py`). */
export const SegmentationTaskSchema = z.strictObject({
  kind: z.literal("segmentation"),
  stepsPerEpoch: positive.default(1000),
  outIndices: z.array(z.int().min(0).max(3)).min(2).max(4).default([0, 1, 2, 3]),
  head: z.strictObject({
    channels: positive.default(512),
    poolScales: z.array(positive).min(1).default([1, 2, 3, 6]),
    dropout: z.number().min(0).lt(1).default(0.1),
  }).default({ channels: 512, poolScales: [1, 2, 3, 6], dropout: 0.1 }),
  aux: z.strictObject({
    channels: positive.default(256),
    inIndex: z.int().min(0).default(2),
    numConvs: positive.default(1),
    kernelSize: positive.refine((k) => k % 2 === 1, { message: "kernelSize must be odd" })
      .default(3),
    dropout: z.number().min(0).lt(1).default(0.1),
    lossWeight: z.number().min(0).default(0.4),
  }).nullable().default({
    channels: 256,
    inIndex: 2,
    numConvs: 1,
    kernelSize: 3,
    dropout: 0.1,
    lossWeight: 0.4,
  }),
  slidingWindow: z.boolean().default(true),
});

/** `task`: classification (the default) or segmentation. */
export const TaskSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("classification") }),
  SegmentationTaskSchema,
]);

/** The segmentation task of a config, or null for classification. */
export function segTaskOf(config: Pick<TrainConfig, "task">): SegmentationTaskConfig | null {
  return config.task?.kind === "segmentation" ? config.task : null;
}

/** The whole training config. */
export const TrainConfigSchema = z.strictObject({
  model: TrainModelSchema,
  data: DataConfigSchema,
  optimizer: OptimizerSchema.default(OptimizerSchema.parse({})),
  schedule: ScheduleSchema.default(ScheduleSchema.parse({})),
  sparsity: SparsitySchema.default(SparsitySchema.parse({})),
  regularization: RegularizationSchema.default(RegularizationSchema.parse({})),
  run: RunSchema.default(RunSchema.parse({})),
  eval: EvalSchema.optional(),
  task: TaskSchema.optional(),
});

/**
 * Free-form sections of a training config: overrides may create keys under them, and a mapping
 * given for them replaces them (`--set data={kind: cifar, path: ...}` switches the data set). The
 * model `overrides` map is checked against the model config when it is resolved, and the `data`
 * section (whose fields depend on its `kind`) by its schema; `eval` is open only because it is
 * optional (`--set eval.bnRecalibration=false` creates it), and checked strictly by its schema;
 * `run.init` likewise (`--init FILE` or `--set run.init=FILE` creates it); everything else is
 * strict.
 */
export const TRAIN_OPEN_PATHS: OpenPaths = [
  "model.overrides",
  "data",
  "eval",
  "run.init",
  "task",
  "optimizer.layerDecay",
  "schedule.poly",
];

assertSame<Same<TrainConfig, z.output<typeof TrainConfigSchema>>>();
assertSame<Same<TaskConfig, z.output<typeof TaskSchema>>>();
assertSame<Same<SegmentationTaskConfig, z.output<typeof SegmentationTaskSchema>>>();
assertSame<Same<LayerDecayConfig, NonNullable<TrainConfig["optimizer"]["layerDecay"]>>>();
assertSame<Same<PolyConfig, NonNullable<TrainConfig["schedule"]["poly"]>>>();
/** A training config as users write it. */
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;
