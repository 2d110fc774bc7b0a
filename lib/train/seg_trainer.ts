/**
 * `SegTrainer`: the training engine of a segmentation model (backbone + UPerHead + auxiliary
 * FCNHead), the segmentation counterpart of {@link Trainer} with the same state layout, so that
 * the run folder, the state file and resume work unchanged. One optimizer step: the micro-batches
 * (drop path and dropout from the "dropout" stream) accumulate the gradient of mmseg's loss (decode
 * cross-entropy + auxWeight · auxiliary cross-entropy) → loss guard → AdamW with the layer-wise lr
 * factors → fixed sparse masks re-applied (official `sparse=True`) → finiteness guard.
 *
 * Variables are keyed by their mmseg names (`backbone.…`, `decode_head.…`, `auxiliary_head.…`) in
 * the state; weights files hold the mmseg state_dict.
 *
 * @module
 */
import { restoreRngStreams, rngStreams, rngStreamStates } from "./rng_streams.ts";
import type { SegBatch } from "../data/segmentation/dataset.ts";
import type { Model } from "../models/model.ts";
import {
  buildSegModel,
  disposeSegModel,
  type SegModel,
  segTrainableVariables,
} from "../models/segmentation/seg_model.ts";
import type { SegModelConfig } from "../models/segmentation/config.ts";
import { BACKBONE_PREFIX } from "../models/segmentation/param_specs.ts";
import { disposeSegOutputs, segForward, segLoss } from "../models/segmentation/segmentor.ts";
import {
  applyBackboneMasks,
  backboneMaskTensors,
  masksFromZeros,
} from "../models/segmentation/sparse.ts";
import { exportSegStateDict, loadBackboneCheckpoint } from "../models/segmentation/state_dict.ts";
import type { HostTensor } from "../io/mod.ts";
import { addSame } from "../ops/mod.ts";
import { tf } from "../tf.ts";
import { AdamW } from "./adamw.ts";
import { assignAll, hostCopies, type StateTensors } from "./checkpoint.ts";
import type { LayerDecayConfig, OptimizerConfig } from "./config_types.ts";
import { NonFiniteError } from "./run_types.ts";
import { layerDecayScales } from "./seg_layer_decay.ts";
import { asyncScope, firstNonFinite, readValues } from "./tensor_util.ts";
import {
  DIVERGENCE_FACTOR,
  GROUP_NAMES,
  lossDiverged,
  type StepResult,
  type TensorGroup,
  type TrainerRng,
  type TrainerState,
} from "./trainer_types.ts";

/** What {@link SegTrainer.create} needs. */
export interface SegTrainerConfig {
  /** The validated segmentation model config. */
  model: SegModelConfig;
  /** AdamW settings (its `layerDecay` gives per-parameter lr factors). */
  optimizer: Pick<OptimizerConfig, "betas" | "eps" | "weightDecay"> & {
    layerDecay?: LayerDecayConfig | undefined;
  };
  /** Root seed (streams "init", "head-init", "dropout"). */
  seed: number;
}

/** Options of {@link SegTrainer.create}. */
export interface SegTrainerOptions {
  /** A saved state to restore (resume). */
  state?: TrainerState;
  /**
   * Initial backbone weights (an ImageNet checkpoint, official keys; classifier head and final norm
   * are dropped). With a sparse backbone (`sparsity` > 0) the masks are rebuilt from its zeros and
   * kept fixed, as the official downstream backbone with `sparse=True`.
   */
  init?: { weights: ReadonlyMap<string, HostTensor>; source: string };
}

/** The segmentation training engine (see the module doc). Call {@link dispose} when done. */
export class SegTrainer {
  /** The model being trained. */
  readonly segModel: SegModel;
  /** The optimizer. */
  readonly adam: AdamW;
  /** Named Rng streams (only `dropout` is drawn from; the others keep the state layout). */
  rng: TrainerRng;
  /** Fixed backbone masks by mmseg name (host copies), or null for a dense backbone. */
  sparse: { masks: Map<string, Uint8Array> } | null = null;
  /** Optimizer steps completed. */
  stepCount = 0;
  /** No EMA copy for segmentation (kept for the shared checkpoint code). */
  readonly emaModel = null;

  readonly #params: Map<string, tf.Variable>;
  readonly #buffers: Map<string, tf.Variable>;
  #maskTensors: Map<string, tf.Tensor> | null = null; // same tensors as #backboneMasks
  #backboneMasks: Map<string, tf.Tensor> | null = null;

  private constructor(config: SegTrainerConfig) {
    this.segModel = buildSegModel(config.model, { seed: config.seed });
    this.#params = segTrainableVariables(this.segModel);
    this.#buffers = new Map<string, tf.Variable>();
    for (const [k, v] of this.segModel.backbone.buffers) this.#buffers.set(BACKBONE_PREFIX + k, v);
    for (const [k, v] of this.segModel.heads.buffers) this.#buffers.set(k, v);
    const ld = config.optimizer.layerDecay;
    this.adam = new AdamW(this.#params, {
      betas: config.optimizer.betas,
      eps: config.optimizer.eps,
      weightDecay: config.optimizer.weightDecay,
      ...(ld ? { lrScales: layerDecayScales(this.#params.keys(), ld) } : {}),
    });
    this.rng = rngStreams(config.seed);
  }

  /** Builds the model and optimizer, then restores `opts.state` or loads `opts.init`. */
  static async create(config: SegTrainerConfig, opts: SegTrainerOptions = {}): Promise<SegTrainer> {
    const t = new SegTrainer(config);
    try {
      if (opts.state) t.restore(opts.state);
      else if (opts.init) await t.#loadInit(opts.init.weights, opts.init.source);
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  async #loadInit(weights: ReadonlyMap<string, HostTensor>, source: string): Promise<void> {
    loadBackboneCheckpoint(this.segModel, weights, source);
    if (this.segModel.config.backbone.sparsity > 0) {
      const masks = await masksFromZeros(this.segModel.backbone);
      this.#setMasks(new Map([...masks].map(([k, m]) => [BACKBONE_PREFIX + k, m])));
    }
  }

  #setMasks(masks: Map<string, Uint8Array>): void {
    this.#backboneMasks?.forEach((t) => t.dispose()); // #maskTensors shares these tensors
    const plain = new Map([...masks].map(([k, m]) => [k.slice(BACKBONE_PREFIX.length), m]));
    this.#backboneMasks = backboneMaskTensors(this.segModel.backbone, plain);
    this.#maskTensors = new Map(
      [...this.#backboneMasks].map(([k, t]) => [BACKBONE_PREFIX + k, t]),
    );
    this.sparse = { masks };
    applyBackboneMasks(this.segModel.backbone, this.#backboneMasks);
  }

  /** The backbone as a model (for counts and the weights file header). */
  get model(): Model {
    return this.segModel.backbone;
  }

  /** Replaces the whole state (weights, moments, masks, Rng streams, step). */
  restore(state: TrainerState): void {
    const g = state.tensors;
    assignAll(this.#params, g.param, GROUP_NAMES.param);
    assignAll(this.#buffers, g.buffer, GROUP_NAMES.buffer);
    assignAll(this.adam.m, g.adam_m, GROUP_NAMES.adam_m);
    assignAll(this.adam.v, g.adam_v, GROUP_NAMES.adam_v);
    if (state.masks.size > 0) this.#setMasks(new Map(state.masks));
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

  /** The live tensors of the state by group (mmseg names; no EMA). */
  liveTensors(): StateTensors {
    return {
      param: this.#params,
      buffer: this.#buffers,
      adam_m: this.adam.m,
      adam_v: this.adam.v,
      ema: new Map(),
    };
  }

  /** A host copy of the whole state (for {@link restore}). */
  async state(): Promise<TrainerState> {
    const tensors = await hostCopies(this.liveTensors());
    const masks = new Map([...(this.sparse?.masks ?? [])].map(([n, m]) => [n, m.slice()]));
    return { ...this.scalars(), tensors, masks };
  }

  /** The weights file content: the mmseg state_dict and the segmentation config. */
  async weightsFile(): Promise<
    { model: Model; state: Map<string, HostTensor>; metadata: Record<string, string> }
  > {
    return {
      model: this.model,
      state: await exportSegStateDict(this.segModel),
      metadata: { "slak.seg_model": JSON.stringify(this.segModel.config) },
    };
  }

  /** The first non-finite tensor of the state as `name (group)`, or null. */
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
   * One optimizer step over `batches` (several = gradient accumulation, each weighted 1/count) at
   * base learning rate `lr` (scaled per parameter by the layer decay).
   * @throws NonFiniteError when the loss is NaN, infinite or diverged (nothing changed) or the step
   *   made a weight or BN buffer non-finite
   */
  async step(batches: readonly SegBatch[], lr: number): Promise<StepResult> {
    if (batches.length === 0) throw new Error("SegTrainer.step: no batches");
    const k = this.segModel.config.numClasses;
    const next = this.stepCount + 1;
    const names = [...this.#params.keys()];
    const vars = names.map((n) => this.#params.get(n)!);
    let loss = 0;
    await asyncScope(async () => {
      let sum: tf.Tensor[] | null = null;
      for (const b of batches) {
        const x = tf.tensor4d(b.x, [b.n, b.h, b.w, b.c]);
        const y = tf.tensor3d(Int32Array.from(b.y), [b.n, b.h, b.w], "int32");
        const { value, grads } = tf.variableGrads(() => {
          const out = segForward(this.segModel, x, { training: true, rng: this.rng.dropout });
          const l = segLoss(this.segModel, out, y);
          const total = tf.mul(l.total, 1 / batches.length) as tf.Scalar;
          disposeSegOutputs(out);
          return total;
        }, vars);
        loss += (await readValues(value))[0]!;
        const g = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
        sum = sum === null ? g : sum.map((s, i) => addSame([s, g[i]!]));
      }
      const grads = new Map(names.map((n, i) => [n, sum![i]!]));
      if (lossDiverged(loss, k)) {
        const bad = await firstNonFinite(grads);
        throw new NonFiniteError(
          `loss is ${loss} at step ${next}` +
            (Number.isFinite(loss) ? ` (over ${DIVERGENCE_FACTOR}·ln ${k}: diverged)` : "") +
            `; ${bad ? `first layer with a non-finite gradient: ${bad}` : "gradients finite"}; ` +
            `the weights before this step are kept`,
        );
      }
      this.adam.step(this.#params, grads, lr, this.#maskTensors ?? undefined);
      const bad = (await firstNonFinite(this.#params)) ?? (await firstNonFinite(this.#buffers));
      if (bad) {
        throw new NonFiniteError(`non-finite values in ${bad} after step ${next} (lr ${lr})`);
      }
      this.stepCount = next;
    });
    return { loss, step: next, images: batches.reduce((a, b) => a + b.n, 0), topology: null };
  }

  /** Density of the masked backbone weights (1 for a dense backbone). */
  density(): number {
    if (!this.sparse) return 1;
    let on = 0;
    let all = 0;
    for (const m of this.sparse.masks.values()) {
      all += m.length;
      for (const v of m) on += v;
    }
    return all === 0 ? 1 : on / all;
  }

  /** Trainable parameters: all, and those not masked off. */
  paramCounts(): { dense: number; nonzero: number } {
    let dense = 0;
    for (const v of this.#params.values()) dense += v.size;
    const masked = this.sparse
      ? [...this.sparse.masks.values()].reduce(
        (a, m) => a + m.length - m.reduce((s, v) => s + v, 0),
        0,
      )
      : 0;
    return { dense, nonzero: dense - masked };
  }

  /** Frees every tensor the trainer holds. */
  dispose(): void {
    this.#backboneMasks?.forEach((t) => t.dispose()); // #maskTensors shares these tensors
    this.adam.dispose();
    disposeSegModel(this.segModel);
  }
}
