/**
 * The gradient of one optimizer step: label-smoothed soft targets, optional mixup/cutmix, a
 * training-mode forward (drop path, BN batch statistics) and the soft cross-entropy of each
 * micro-batch, weighted 1/count and summed (gradient accumulation).
 *
 * @module
 */
import { forward } from "../models/forward.ts";
import { addSame } from "../ops/mod.ts";
import type { Model } from "../models/model.ts";
import { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";
import type { TrainConfig } from "./config.ts";
import { smoothTargets, softCrossEntropy } from "./loss.ts";
import { mixBatch } from "./mix.ts";
import { readValues } from "./tensor_util.ts";
import type { TrainBatch } from "./trainer_types.ts";

/**
 * Loss (mean over the micro-batches) and dense gradients by parameter name. Must run inside a
 * tidy scope (the gradients are not kept). Mixes `batches` in place when mixup/cutmix is on.
 */
export async function accumulateGradients(
  model: Model,
  batches: readonly TrainBatch[],
  reg: TrainConfig["regularization"],
  rng: { mix: Rng; dropout: Rng },
): Promise<{ loss: number; grads: Map<string, tf.Tensor> }> {
  const k = model.config.numClasses;
  const names = [...model.params.keys()];
  const vars = names.map((n) => model.params.get(n)!);
  let loss = 0;
  let sum: tf.Tensor[] | null = null;
  for (const b of batches) {
    const t = smoothTargets(b.y, k, reg.labelSmoothing);
    mixBatch(b.x, t, { n: b.n, h: b.h, w: b.w, c: b.c, k }, {
      mixup: reg.mixup,
      cutmix: reg.cutmix,
      switchProb: reg.mixSwitchProb,
    }, rng.mix);
    const x = tf.tensor4d(b.x, [b.n, b.h, b.w, b.c]);
    const tt = tf.tensor2d(t, [b.n, k]);
    const { value, grads } = tf.variableGrads(() =>
      tf.mul(
        softCrossEntropy(forward(model, x, { training: true, rng: rng.dropout }), tt),
        1 / batches.length,
      ) as tf.Scalar, vars);
    loss += (await readValues(value))[0]!;
    const g = vars.map((v) => grads[v.name]!);
    sum = sum === null ? g : sum.map((s, i) => addSame([s, g[i]!]));
  }
  if (sum === null) throw new Error("accumulateGradients: no batches");
  const total = sum;
  return { loss, grads: new Map(names.map((n, i) => [n, total[i]!])) };
}
