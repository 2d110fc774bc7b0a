/**
 * The host-side sparse state of a training run (masks and their device copies), density
 * accounting with the actual per-layer masks, and SNIP scores from one batch.
 *
 * @module
 */
import { countModel, stageMaps } from "../models/count.ts";
import { forward } from "../models/forward.ts";
import type { Model } from "../models/model.ts";
import { numel } from "../models/param_spec.ts";
import type { Batch } from "../data/types.ts";
import { maskTensors } from "../sparse/mod.ts";
import { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";
import { softCrossEntropy } from "./loss.ts";
import { readValues } from "./tensor_util.ts";

/** Host-side sparse state of a run. */
export interface Sparse {
  /** Names considered maskable (masked or dropped dense). */
  maskable: string[];
  /** Shapes of the masked weights. */
  shapes: Map<string, number[]>;
  masks: Map<string, Uint8Array>;
  dev: Map<string, tf.Tensor>;
}

export function setMasks(sp: Sparse, masks: Map<string, Uint8Array>): void {
  sp.dev.forEach((t) => t.dispose());
  sp.masks = masks;
  sp.dev = maskTensors(masks, sp.shapes);
}

export function overall(model: Model, sp: Sparse | null): number {
  if (sp === null) return 1;
  let active = 0;
  let total = 0;
  for (const name of sp.maskable) {
    const m = sp.masks.get(name);
    const n = model.params.get(name)!.size;
    total += n;
    if (m === undefined) active += n;
    else for (let i = 0; i < m.length; i++) active += m[i]!;
  }
  return total === 0 ? 1 : active / total;
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
    let active = n;
    if (m !== undefined) {
      active = 0;
      for (let i = 0; i < m.length; i++) active += m[i]!;
    }
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
