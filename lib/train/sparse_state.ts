/**
 * The host-side sparse state of a training run (masks and their device copies), density
 * accounting with the actual per-layer masks, and SNIP scores from one batch.
 *
 * @module
 */
import { countModel, stageMaps } from "../models/count.ts";
import { forward } from "../models/forward.ts";
import type { Model } from "../models/model.ts";
import { numel } from "../util/shape.ts";
import { Loader } from "../data/loader.ts";
import type { Batch, Dataset } from "../data/types.ts";
import {
  applyMasks,
  countActive,
  densityByLayer,
  densityStrategy,
  dropDenseMasks,
  initMasks,
  maskableNames,
  maskTensors,
  overallDensity,
  pickShapes,
  pruneAndGrow,
  shapesOf,
} from "../sparse/mod.ts";
import { tf } from "../tf.ts";
import { Rng } from "../util/rng.ts";
import { softCrossEntropy } from "./loss.ts";
import { readValues } from "./tensor_util.ts";

/** Host-side sparse state of a run. */
export interface Sparse {
  /** Names considered maskable (masked or dropped dense). */
  maskable: string[];
  /** Shapes of the masked weights. */
  shapes: Map<string, number[]>;
  /** Host masks of the masked weights (1 = active). */
  masks: Map<string, Uint8Array>;
  /** Device copies of the masks (float32, the weights' shapes). */
  dev: Map<string, tf.Tensor>;
}

/** The sparse state of a fresh model: its maskable weights, no masks yet. */
export function newSparse(model: Model, onlyLargeKernel: boolean): Sparse {
  const shapes = shapesOf(model.params);
  const maskable = maskableNames(shapes, { onlyLargeKernel });
  return { maskable, shapes: pickShapes(shapes, maskable), masks: new Map(), dev: new Map() };
}

/** Replaces the masks (host and device copies). */
export function setMasks(sp: Sparse, masks: Map<string, Uint8Array>): void {
  sp.dev.forEach((t) => t.dispose());
  sp.masks = masks;
  sp.dev = maskTensors(masks, sp.shapes);
}

export function overall(model: Model, sp: Sparse | null): number {
  if (sp === null) return 1;
  let dense = 0; // maskable weights without a mask (dropped dense): fully active
  for (const name of sp.maskable) if (!sp.masks.has(name)) dense += model.params.get(name)!.size;
  return overallDensity(sp.masks, dense);
}

/** Parameters and MACs with the actual per-layer densities. */
export function actualCounts(model: Model, sp: Sparse | null, hw: [number, number]) {
  const maps = stageMaps(hw[0], hw[1]);
  const dense = countModel(model.config, hw);
  let nonzero = 0;
  let sparseMacs = 0;
  for (const spec of model.specs) {
    if (spec.buffer) continue;
    const n = numel(spec.shape);
    const m = sp?.masks.get(spec.name);
    const active = m === undefined ? n : countActive(m);
    nonzero += active;
    if (spec.macsPerPosition !== undefined) {
      const pos = spec.stage === 4 ? 1 : maps[spec.stage]![0] * maps[spec.stage]![1];
      sparseMacs += spec.macsPerPosition * pos * (active / n);
    }
  }
  return {
    params: { dense: dense.params.dense, nonzero },
    macs: { dense: dense.macs.dense, sparse: sparseMacs },
  };
}

export function oneHotCE(logits: tf.Tensor, labels: Int32Array, k: number): tf.Scalar {
  return tf.tidy(() =>
    softCrossEntropy(logits, tf.oneHot(tf.tensor1d(labels, "int32"), k).toFloat())
  );
}

/** SNIP scores |w·∂L/∂w| of one training batch on the fresh model (BN stats restored after). */
export async function snipScores(
  model: Model,
  batch: Batch,
  names: readonly string[],
  rng: Rng,
): Promise<Map<string, Float32Array>> {
  const saved = new Map([...model.buffers].map(([n, v]) => [n, tf.clone(v)]));
  const vars = names.map((n) => model.params.get(n)!);
  const out = new Map<string, Float32Array>();
  const scores = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.n, batch.h, batch.w, batch.c]);
    const { value, grads } = tf.variableGrads(
      () => oneHotCE(forward(model, x, { training: true, rng }), batch.y, model.config.numClasses),
      vars,
    );
    value.dispose();
    return names.map((_, i) => tf.abs(tf.mul(vars[i]!, grads[vars[i]!.name]!)));
  });
  for (let i = 0; i < names.length; i++) out.set(names[i]!, await readValues(scores[i]!));
  for (const [n, v] of saved) {
    model.buffers.get(n)!.assign(v);
    v.dispose();
  }
  return out;
}

/** Options of {@link initSparse}. */
export interface SparseInitOptions {
  /** Layer-wise density rule. */
  init: "snip" | "erk" | "uniform";
  /** Root seed (SNIP draws its batch from the "snip-data" stream and its dropout from "snip"). */
  seed: number;
  /** SNIP batch size. */
  batchSize: number;
  /** Training data (required for SNIP). */
  dataset?: Dataset;
}

/**
 * Initial masks at the model's density: layer densities by the `init` rule (SNIP scores from one
 * training batch), random masks drawn from `rng`, layers that come out dense dropped from masking
 * (as the official code), masks applied to the weights.
 */
export async function initSparse(
  model: Model,
  sp: Sparse,
  opts: SparseInitOptions,
  rng: Rng,
): Promise<void> {
  let scores: Map<string, Float32Array> | undefined;
  if (opts.init === "snip") {
    if (!opts.dataset) throw new Error("SNIP mask init needs a training data set");
    const loader = new Loader(opts.dataset, {
      split: "train",
      batchSize: opts.batchSize,
      prefetch: false,
      state: { epoch: 0, cursor: 0, rngState: Rng.stream(opts.seed, "snip-data").state() },
    });
    const b = await loader.next();
    loader.close();
    scores = await snipScores(model, b, sp.maskable, Rng.stream(opts.seed, "snip"));
  }
  const densities = densityStrategy(opts.init)({
    shapes: sp.shapes,
    density: 1 - model.config.sparsity,
    ...(scores ? { scores } : {}),
  });
  const { masks, dropped } = dropDenseMasks(initMasks(densities, sp.shapes, rng));
  for (const n of dropped) sp.shapes.delete(n);
  setMasks(sp, masks);
  applyMasks(model.params, sp.dev);
}

/**
 * One prune-and-grow update of every masked layer at `rate` (regrowth random, or by `grads`
 * magnitude when given), masks applied to the weights; returns the density per masked layer.
 */
export async function pruneAndRegrow(
  model: Model,
  sp: Sparse,
  rate: number,
  rng: Rng,
  grads?: ReadonlyMap<string, tf.Tensor>,
): Promise<Record<string, number>> {
  const host = async (src: ReadonlyMap<string, tf.Tensor>) => {
    const out = new Map<string, Float32Array>();
    for (const n of sp.masks.keys()) out.set(n, await src.get(n)!.data() as Float32Array);
    return out;
  };
  const weights = await host(model.params);
  const r = pruneAndGrow(sp.masks, weights, {
    rate,
    growth: grads ? "gradient" : "random",
    rng,
    ...(grads ? { grads: await host(grads) } : {}),
  });
  setMasks(sp, r.masks);
  sp.dev.forEach((t) => tf.keep(t));
  applyMasks(model.params, sp.dev);
  return Object.fromEntries(densityByLayer(sp.masks));
}
