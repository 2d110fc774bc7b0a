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
import { restoreRngStreams, rngStreams, rngStreamStates } from "./rng_streams.ts";
import type { Dataset } from "../data/types.ts";
import { buildModel, disposeModel, type Model } from "../models/model.ts";
import { densityByLayer, isUpdateStep, pruneRate, sparseEmaUpdate } from "../sparse/mod.ts";
import { tf } from "../tf.ts";
import { AdamW } from "./adamw.ts";
import { assignAll, type EvalResult, hostCopies, type StateTensors } from "./checkpoint.ts";
import { type DensityReport, densityReport } from "./density_report.ts";
import { emaCopy } from "./ema.ts";
import { evaluate } from "./evaluate.ts";
import { applyInitState, type InitState } from "./init_state.ts";
import { accumulateGradients } from "./grads.ts";
import { NonFiniteError } from "./run_types.ts";
import {
  actualCounts,
  initSparse,
  newSparse,
  overall,
  pruneAndRegrow,
  setMasks,
  type Sparse,
} from "./sparse_state.ts";
import { asyncScope, firstNonFinite } from "./tensor_util.ts";
import {
  DIVERGENCE_FACTOR,
  GROUP_NAMES,
  lossDiverged,
  type StepResult,
  type TensorGroup,
  type TopologyUpdate,
  type TrainBatch,
  type TrainerConfig,
  type TrainerOptions,
  type TrainerRng,
  type TrainerState,
} from "./trainer_types.ts";

export * from "./trainer_types.ts";

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
    this.rng = rngStreams(seed);
    this.#modelVars = new Map<string, tf.Tensor>([...this.model.params, ...this.model.buffers]);
    const copy = config.regularization.emaDecay === null ? null : emaCopy(this.model);
    this.ema = copy?.vars ?? null;
    this.emaModel = copy?.model ?? null;
    this.sparse = mc.sparsity > 0 ? newSparse(this.model, config.sparsity.onlyLargeKernel) : null;
  }

  /**
   * Builds the model (seeded by `config.run.seed`), the optimizer and the EMA, and either
   * initialises the masks (SNIP needs `opts.dataset`) or restores `opts.state`. With `opts.init`
   * the weights (and the masks, when the file has them) come from that file first.
   */
  static async create(config: TrainerConfig, opts: TrainerOptions): Promise<Trainer> {
    const t = new Trainer(config, opts.totalSteps);
    try {
      if (opts.state) t.restore(opts.state);
      else await t.#initialise(opts.dataset, opts.init);
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  async #initialise(dataset: Dataset | undefined, init?: InitState): Promise<void> {
    const sp = this.sparse;
    const su = this.#config.sparsity;
    const seed = this.#config.run.seed;
    const givenMasks = init ? applyInitState(this.model, sp, init) : false;
    if (sp && !givenMasks) {
      await initSparse(this.model, sp, {
        init: su.init,
        seed,
        batchSize: this.#config.optimizer.batchSize,
        ...(dataset ? { dataset } : {}),
      }, this.rng.mask);
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
    this.rng = restoreRngStreams(state.rng);
  }

  /** The state's scalars (step, AdamW counter, Rng streams). */
  scalars(): Pick<TrainerState, "step" | "adamT" | "rng"> {
    return {
      step: this.stepCount,
      adamT: this.adam.t,
      rng: rngStreamStates(this.rng),
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
    const tensors = await hostCopies(this.liveTensors());
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
    const next = this.stepCount + 1;
    let loss = 0;
    let topology: TopologyUpdate | null = null;
    await asyncScope(async () => {
      const acc = await accumulateGradients(this.model, list, reg, this.rng);
      loss = acc.loss;
      const grads = acc.grads;
      if (lossDiverged(loss, k)) {
        const bad = await firstNonFinite(grads);
        throw new NonFiniteError(
          `loss is ${loss} at step ${next}` +
            (Number.isFinite(loss) ? ` (over ${DIVERGENCE_FACTOR}·ln ${k}: diverged)` : "") +
            `; ${bad ? `first layer with a non-finite gradient: ${bad}` : "gradients finite"}; ` +
            `the weights before this step are kept`,
        );
      }
      this.adam.step(this.model.params, grads, lr, this.sparse?.dev);
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
    if (!this.sparse) return null;
    const layers = await pruneAndRegrow(this.model, this.sparse, rate, this.rng.mask, grads);
    return { step: this.stepCount, rate, density: this.density(), layers };
  }

  /** Overall density of the maskable weights (1 for a dense model). */
  density(): number {
    return overall(this.model, this.sparse);
  }

  /** Densities per stage and per kind of layer (large kernels, MLPs, stem/downsampling, head). */
  densityReport(): DensityReport {
    return densityReport(this.model, this.sparse);
  }

  /** Density per masked layer (empty for a dense model). */
  layerDensities(): Record<string, number> {
    return this.sparse ? Object.fromEntries(densityByLayer(this.sparse.masks)) : {};
  }

  /** Parameters and MACs at input size `hw` with the actual masks. */
  counts(hw: [number, number]): {
    params: { dense: number; nonzero: number };
    macs: { dense: number; sparse: number };
  } {
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
