/**
 * `Trainer`: the training engine of one model (the counterpart of the official `engine.py`), with
 * no files, folders or schedules of its own. It holds the model, AdamW, the EMA copy, the sparse
 * masks and the named Rng streams, and offers one optimizer step, the prune-and-grow topology
 * update, evaluation, and its whole state for checkpoints. `trainRun` (run.ts) drives it over
 * epochs into a run folder; a script can drive it directly.
 *
 * One optimizer step (official engine.py + `Masking.step`): the micro-batches (label-smoothed soft
 * targets, optional mixup/cutmix, drop path) accumulate dense gradients → loss guard (NaN, Inf or
 * divergence) → AdamW at the given lr → weights ⊙ masks → finiteness guard on the weights and BN
 * buffers → prune-and-grow when the step is an update step (cosine-decayed rate; gradient growth
 * uses this step's gradient) → sparse-aware EMA update.
 *
 * @example Train a tiny SLaK for a few steps on generated data
 * ```ts
 * import { initBackend } from "../ops/backend.ts";
 * import { openDataset } from "../data/open_dataset.ts";
 * import { Loader } from "../data/loader.ts";
 * import { resolveTrainConfig } from "./resolve.ts";
 * import { Trainer } from "./trainer.ts";
 *
 * await initBackend("cpu");
 * const config = resolveTrainConfig({
 *   model: { name: "slak_nano", overrides: { depths: [1, 1, 1, 1], dims: [8, 16, 32, 64] } },
 *   data: { kind: "pathfinder", size: 32, trainSize: 64, testSize: 32 },
 *   optimizer: { batchSize: 16 },
 * }, "example");
 * const ds = await openDataset(config.data);
 * const trainer = await Trainer.create(config, { dataset: ds, totalSteps: 4 });
 * const loader = new Loader(ds, { split: "train", batchSize: 16, seed: 0 });
 * for (let s = 0; s < 4; s++) await trainer.step(await loader.next(), 1e-3);
 * const { model } = await trainer.evaluate(ds, { batchSize: 32, limit: 0 });
 * console.log(trainer.stepCount, model.top1);
 * loader.close();
 * trainer.dispose();
 * ```
 *
 * @module
 */
import type { Batch, Dataset } from "../data/types.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import { Loader } from "../data/loader.ts";
import { forward } from "../models/forward.ts";
import { buildModel, disposeModel, type Model } from "../models/model.ts";
import {
  applyMasks,
  densityByLayer,
  densityStrategy,
  dropDenseMasks,
  initMasks,
  isUpdateStep,
  maskableNames,
  pickShapes,
  pruneAndGrow,
  pruneRate,
  shapesOf,
  sparseEmaUpdate,
} from "../sparse/mod.ts";
import { tf } from "../tf.ts";
import { Rng, type RngState } from "../util/rng.ts";
import { AdamW } from "./adamw.ts";
import type { EvalResult, StateTensors } from "./checkpoint.ts";
import { assignAll } from "./checkpoint.ts";
import { evaluate } from "./evaluate.ts";
import { smoothTargets, softCrossEntropy } from "./loss.ts";
import { mixBatch } from "./mix.ts";
import type { ResolvedTrainConfig } from "./resolve.ts";
import { NonFiniteError } from "./run_types.ts";
import { actualCounts, overall, setMasks, snipScores, type Sparse } from "./sparse_state.ts";
import { asyncScope, firstNonFinite, readValues } from "./tensor_util.ts";

/** Images (NHWC, normalised) and labels of one training micro-batch. */
export type TrainBatch = Pick<Batch, "x" | "y" | "n" | "h" | "w" | "c">;

/** What a {@link Trainer} needs of a training config (a `ResolvedTrainConfig` is one). */
export type TrainerConfig =
  & Pick<
    ResolvedTrainConfig,
    "modelConfig" | "optimizer" | "regularization" | "sparsity"
  >
  & { run: Pick<ResolvedTrainConfig["run"], "seed"> };

/** Options of {@link Trainer.create}. */
export interface TrainerOptions {
  /** Optimizer steps of the whole run (the prune-rate decay and the last update step need it). */
  totalSteps: number;
  /** Training data for the SNIP mask init (one batch from the "snip-data" stream). */
  dataset?: Dataset;
  /** Continue from a saved state instead of initialising (see {@link Trainer.state}). */
  state?: TrainerState;
}

/** The named random streams of a run. */
export interface TrainerRng {
  dropout: Rng;
  mix: Rng;
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
  rng: { dropout: RngState; mix: RngState; mask: RngState };
  /** Parameters, buffers, AdamW moments and the EMA copy (empty without EMA), by name. */
  tensors: Readonly<Record<TensorGroup, ReadonlyMap<string, HostTensor>>>;
  /** Masks of the masked layers (empty for a dense model). */
  masks: ReadonlyMap<string, Uint8Array>;
}

const GROUP_NAMES: Record<TensorGroup, string> = {
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

/** Outcome of one {@link Trainer.step}. */
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

/** The training engine of one model (see the module doc). Call {@link dispose} when done. */
export class Trainer {
  /** The model being trained. */
  readonly model: Model;
  /** The optimizer (its moments are part of the state). */
  readonly adam: AdamW;
  /** EMA copies of every parameter and buffer (null without EMA). */
  readonly ema: Map<string, tf.Variable> | null;
  /** The model with the EMA weights (shares the EMA tensors), or null. */
  readonly emaModel: Model | null;
  /** The named Rng streams (dropout, mix, mask). */
  rng: TrainerRng;
  /** The sparse state (null for a dense model). */
  readonly sparse: Sparse | null;
  /** Optimizer steps completed. */
  stepCount = 0;

  readonly #config: TrainerConfig;
  readonly #totalSteps: number;
  readonly #modelVars: Map<string, tf.Tensor>;
  readonly #varNames: string[];

  private constructor(config: TrainerConfig, totalSteps: number) {
    const mc = config.modelConfig;
    const seed = config.run.seed;
    this.#config = config;
    this.#totalSteps = totalSteps;
    this.model = buildModel(mc, { seed });
    this.adam = new AdamW(this.model.params, {
      betas: config.optimizer.betas,
      eps: config.optimizer.eps,
      weightDecay: config.optimizer.weightDecay,
    });
    this.rng = {
      dropout: Rng.stream(seed, "dropout"),
      mix: Rng.stream(seed, "mix"),
      mask: Rng.stream(seed, "mask"),
    };
    const all = [...this.model.params, ...this.model.buffers];
    this.#modelVars = new Map<string, tf.Tensor>(all);
    this.#varNames = [...this.model.params.keys()];
    const ema = config.regularization.emaDecay === null
      ? null
      : new Map(all.map(([n, v]) => [n, tf.variable(tf.zerosLike(v), false)]));
    this.ema = ema;
    this.emaModel = ema === null ? null : {
      ...this.model,
      params: new Map([...this.model.params.keys()].map((n) => [n, ema.get(n)!])),
      buffers: new Map([...this.model.buffers.keys()].map((n) => [n, ema.get(n)!])),
    };
    if (mc.sparsity > 0) {
      const shapes = shapesOf(this.model.params);
      const maskable = maskableNames(shapes, {
        onlyLargeKernel: config.sparsity.onlyLargeKernel,
      });
      this.sparse = {
        maskable,
        shapes: pickShapes(shapes, maskable),
        masks: new Map(),
        dev: new Map(),
      };
    } else {
      this.sparse = null;
    }
  }

  /**
   * Builds the model (seeded by `config.run.seed`), the optimizer and the EMA, and either
   * initialises the masks (SNIP needs `opts.dataset`) or restores `opts.state`.
   */
  static async create(config: TrainerConfig, opts: TrainerOptions): Promise<Trainer> {
    const t = new Trainer(config, opts.totalSteps);
    try {
      if (opts.state) t.restore(opts.state);
      else await t.#initialise(opts.dataset);
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  async #initialise(dataset: Dataset | undefined): Promise<void> {
    const sp = this.sparse;
    const su = this.#config.sparsity;
    const seed = this.#config.run.seed;
    if (sp) {
      let scores: Map<string, Float32Array> | undefined;
      if (su.init === "snip") {
        if (!dataset) throw new Error("Trainer.create: SNIP mask init needs opts.dataset");
        const snipLoader = new Loader(dataset, {
          split: "train",
          batchSize: this.#config.optimizer.batchSize,
          prefetch: false,
          state: { epoch: 0, cursor: 0, rngState: Rng.stream(seed, "snip-data").state() },
        });
        const b = await snipLoader.next();
        snipLoader.close();
        scores = await snipScores(this.model, b, sp.maskable, Rng.stream(seed, "snip"));
      }
      const densities = densityStrategy(su.init)({
        shapes: sp.shapes,
        density: 1 - this.model.config.sparsity,
        ...(scores ? { scores } : {}),
      });
      const { masks, dropped } = dropDenseMasks(initMasks(densities, sp.shapes, this.rng.mask));
      for (const n of dropped) sp.shapes.delete(n);
      setMasks(sp, masks);
      applyMasks(this.model.params, sp.dev);
    }
    const ema = this.ema;
    if (ema) tf.tidy(() => ema.forEach((v, n) => v.assign(this.#modelVars.get(n)!)));
    this.#fixMaskedShapes();
  }

  /** Masked shapes = the masks actually kept (dense layers dropped from masking excluded). */
  #fixMaskedShapes(): void {
    const sp = this.sparse;
    if (!sp) return;
    sp.shapes = new Map([...sp.masks.keys()].map((n) => [n, [...this.model.params.get(n)!.shape]]));
  }

  /** Replaces the whole state (weights, moments, EMA, masks, Rng streams, step). */
  restore(state: TrainerState): void {
    const g = state.tensors;
    assignAll(this.model.params, g.param, GROUP_NAMES.param);
    assignAll(this.model.buffers, g.buffer, GROUP_NAMES.buffer);
    assignAll(this.adam.m, g.adam_m, GROUP_NAMES.adam_m);
    assignAll(this.adam.v, g.adam_v, GROUP_NAMES.adam_v);
    if (this.ema) assignAll(this.ema, g.ema, "EMA tensor");
    if (this.sparse) {
      setMasks(this.sparse, new Map(state.masks));
      this.#fixMaskedShapes();
    }
    this.adam.t = state.adamT;
    this.stepCount = state.step;
    this.rng = {
      dropout: new Rng(state.rng.dropout),
      mix: new Rng(state.rng.mix),
      mask: new Rng(state.rng.mask),
    };
  }

  /** The state's scalars (step, AdamW counter, Rng streams). */
  scalars(): Pick<TrainerState, "step" | "adamT" | "rng"> {
    return {
      step: this.stepCount,
      adamT: this.adam.t,
      rng: {
        dropout: this.rng.dropout.state(),
        mix: this.rng.mix.state(),
        mask: this.rng.mask.state(),
      },
    };
  }

  /** The live tensors of the state by group (the trainer's own: valid until the next step). */
  liveTensors(): StateTensors {
    return {
      param: this.model.params,
      buffer: this.model.buffers,
      adam_m: this.adam.m,
      adam_v: this.adam.v,
      ema: this.ema ?? new Map(),
    };
  }

  /** A copy of the whole state, for {@link restore} (here or in a new trainer of the same config). */
  async state(): Promise<TrainerState> {
    const live = this.liveTensors();
    const tensors = {} as Record<TensorGroup, Map<string, HostTensor>>;
    for (const g of Object.keys(live) as TensorGroup[]) {
      const m = new Map<string, HostTensor>();
      for (const [n, t] of live[g]) {
        const data = (await t.data() as Float32Array).slice();
        m.set(n, { dtype: "float32", shape: [...t.shape], data });
      }
      tensors[g] = m;
    }
    const masks = new Map([...(this.sparse?.masks ?? [])].map(([n, m]) => [n, m.slice()]));
    return { ...this.scalars(), tensors, masks };
  }

  /**
   * The first tensor of the state (parameters, buffers, AdamW moments, EMA) holding a NaN or Inf,
   * as `name (group)`, or null when everything is finite. Checked before a checkpoint is written.
   */
  async firstNonFiniteState(): Promise<string | null> {
    const live = this.liveTensors();
    for (const g of Object.keys(live) as TensorGroup[]) {
      if (live[g].size === 0) continue;
      const bad = await firstNonFinite(live[g]);
      if (bad !== null) return `${bad} (${GROUP_NAMES[g]})`;
    }
    return null;
  }

  /**
   * One optimizer step over `batches` (several = gradient accumulation, each weighted
   * 1/count) at learning rate `lr`, including the topology update when this step is an update
   * step and the EMA update.
   *
   * @throws NonFiniteError when the loss is NaN, infinite or diverged (nothing is changed), or
   *   when the step made a weight or BN buffer non-finite (the trainer is then unusable)
   */
  async step(batches: TrainBatch | readonly TrainBatch[], lr: number): Promise<StepResult> {
    const list = Array.isArray(batches)
      ? batches as readonly TrainBatch[]
      : [batches as TrainBatch];
    const k = this.model.config.numClasses;
    const reg = this.#config.regularization;
    const varList = this.#varNames.map((n) => this.model.params.get(n)!);
    const next = this.stepCount + 1;
    let loss = 0;
    let topology: TopologyUpdate | null = null;
    await asyncScope(async () => {
      let gsum: tf.Tensor[] | null = null;
      for (const b of list) {
        const t = smoothTargets(b.y, k, reg.labelSmoothing);
        mixBatch(b.x, t, { n: b.n, h: b.h, w: b.w, c: b.c, k }, {
          mixup: reg.mixup,
          cutmix: reg.cutmix,
          switchProb: reg.mixSwitchProb,
        }, this.rng.mix);
        const x = tf.tensor4d(b.x, [b.n, b.h, b.w, b.c]);
        const tt = tf.tensor2d(t, [b.n, k]);
        const { value, grads } = tf.variableGrads(() =>
          tf.mul(
            softCrossEntropy(forward(this.model, x, { training: true, rng: this.rng.dropout }), tt),
            1 / list.length,
          ) as tf.Scalar, varList);
        loss += (await readValues(value))[0]!;
        const g = varList.map((v) => grads[v.name]!);
        gsum = gsum === null ? g : gsum.map((s, i) => tf.add(s, g[i]!));
      }
      const grads = new Map(this.#varNames.map((n, i) => [n, gsum![i]!]));
      if (lossDiverged(loss, k)) {
        const bad = await firstNonFinite(grads);
        throw new NonFiniteError(
          `loss is ${loss} at step ${next}` +
            (Number.isFinite(loss) ? ` (over ${DIVERGENCE_FACTOR}·ln ${k}: diverged)` : "") +
            `; ${bad ? `first layer with a non-finite gradient: ${bad}` : "gradients finite"}; ` +
            `the weights before this step are kept`,
        );
      }
      this.adam.step(this.model.params, grads, lr);
      if (this.sparse) applyMasks(this.model.params, this.sparse.dev);
      const bad = await firstNonFinite(this.#modelVars);
      if (bad) {
        throw new NonFiniteError(
          `non-finite values in ${bad} after step ${next} (lr ${lr})`,
        );
      }
      this.stepCount = next;
      const su = this.#config.sparsity;
      if (this.sparse && isUpdateStep(next, su.updateEvery, this.#totalSteps)) {
        const rate = pruneRate(next, { initial: su.pruneRate, totalSteps: this.#totalSteps });
        topology = await this.updateTopology(rate, su.growth === "gradient" ? grads : undefined);
      }
      if (this.ema) {
        sparseEmaUpdate(this.ema, this.#modelVars, reg.emaDecay!, this.sparse?.dev);
      }
    });
    return { loss, step: next, images: list.reduce((a, b) => a + b.n, 0), topology };
  }

  /**
   * Prunes the `rate` fraction of each masked layer's active weights with the smallest magnitude
   * and regrows as many (randomly, or by `grads` magnitude for gradient growth), keeping every
   * layer's active count. A no-op returning null for a dense model.
   */
  async updateTopology(
    rate: number,
    grads?: ReadonlyMap<string, tf.Tensor>,
  ): Promise<TopologyUpdate | null> {
    const sp = this.sparse;
    if (!sp) return null;
    const weights = new Map<string, Float32Array>();
    for (const n of sp.masks.keys()) {
      weights.set(n, await this.model.params.get(n)!.data() as Float32Array);
    }
    let hostGrads: Map<string, Float32Array> | undefined;
    if (grads) {
      hostGrads = new Map();
      for (const n of sp.masks.keys()) {
        hostGrads.set(n, await grads.get(n)!.data() as Float32Array);
      }
    }
    const growth = grads ? "gradient" : "random";
    const r = pruneAndGrow(sp.masks, weights, {
      rate,
      growth,
      rng: this.rng.mask,
      ...(hostGrads ? { grads: hostGrads } : {}),
    });
    setMasks(sp, r.masks);
    sp.dev.forEach((t) => tf.keep(t));
    applyMasks(this.model.params, sp.dev);
    return {
      step: this.stepCount,
      rate,
      density: this.density(),
      layers: Object.fromEntries(densityByLayer(sp.masks)),
    };
  }

  /** Overall density of the maskable weights (1 for a dense model). */
  density(): number {
    return overall(this.model, this.sparse);
  }

  /** Density per masked layer (empty for a dense model). */
  layerDensities(): Record<string, number> {
    return this.sparse ? Object.fromEntries(densityByLayer(this.sparse.masks)) : {};
  }

  /** Parameters and MACs at input size `hw` with the actual masks. */
  counts(hw: [number, number]): ReturnType<typeof actualCounts> {
    return actualCounts(this.model, this.sparse, hw);
  }

  /** Evaluates the model and its EMA copy on `ds`'s test split (see `evaluate`). */
  async evaluate(
    ds: Dataset,
    opts: { batchSize: number; limit: number },
  ): Promise<{ model: EvalResult; ema: EvalResult | null }> {
    const model = await evaluate(this.model, ds, opts);
    const ema = this.emaModel ? await evaluate(this.emaModel, ds, opts) : null;
    return { model, ema };
  }

  /** Frees every tensor the trainer holds. */
  dispose(): void {
    this.sparse?.dev.forEach((t) => t.dispose());
    this.ema?.forEach((v) => v.dispose());
    this.adam.dispose();
    disposeModel(this.model);
  }
}
