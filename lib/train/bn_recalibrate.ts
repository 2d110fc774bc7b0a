/**
 * BatchNorm recalibration ("precise BN"): replaces the running statistics of every BatchNorm of a
 * model by the plain average of the batch statistics over a few training batches, computed with
 * the current weights, so that an eval-mode forward normalises with statistics of the network as
 * it is now rather than with the exponential average (momentum 0.1) of the statistics of earlier,
 * different weights. At a high learning rate those lag so far behind that eval-mode accuracy reads
 * near chance while the training loss falls.
 *
 * How the plain average is obtained: the forward runs in training mode, where BN normalises with
 * the batch statistics, so a layer's output (and every later layer's input) does not depend on its
 * running buffers. Before each batch the running mean and variance are set to 0; the training
 * forward then leaves `momentum · s` in them (s = the batch mean, or the unbiased batch variance,
 * exactly the statistics the BN layer records in training), which is divided by the momentum and
 * summed; after the last batch the buffers hold the sums / batches. This is PyTorch's cumulative
 * average (`momentum=None`) without a change to the BN layer; the multiply/divide by 0.1 costs at
 * most a few float32 ulps. As in PyTorch's precise-BN and `update_bn`, the variance is the mean of
 * the per-batch unbiased variances (not the variance of the pooled images). Drop path is off during
 * recalibration: the statistics are those of the deterministic network that evaluation runs.
 *
 * {@link withRecalibratedBn} restores every buffer (running statistics and
 * `num_batches_tracked`) bit-exactly afterwards, so training and resume are unaffected.
 *
 * @module
 */
import { BN_MOMENTUM } from "../layers/batch_norm.ts";
import { forward } from "../models/forward.ts";
import type { Model } from "../models/model.ts";
import { tf } from "../tf.ts";
import type { TrainBatch } from "./trainer_types.ts";

/** The running-statistics buffers of one BatchNorm layer. */
export interface BnBuffers {
  /** Layer name (the buffers' common prefix, e.g. `stages.0.0.large_kernel.LoRA1.bn`). */
  name: string;
  /** Running mean. */
  mean: tf.Variable;
  /** Running (unbiased) variance. */
  variance: tf.Variable;
}

const MEAN = ".running_mean";
const VAR = ".running_var";

/** The BatchNorm layers of `model` (empty for a model without BatchNorm, e.g. LayerNorm only). */
export function bnLayers(model: Model): BnBuffers[] {
  const out: BnBuffers[] = [];
  for (const [key, mean] of model.buffers) {
    if (!key.endsWith(MEAN)) continue;
    const name = key.slice(0, -MEAN.length);
    const variance = model.buffers.get(name + VAR);
    if (!variance) throw new Error(`bnLayers: ${key} without ${name}${VAR}`);
    out.push({ name, mean, variance });
  }
  return out;
}

/** Whether `model` has BatchNorm layers (whose eval mode uses running statistics). */
export function hasBatchNorm(model: Model): boolean {
  return bnLayers(model).length > 0;
}

/**
 * Sets the BN running statistics of each of `models` to the plain average of its batch
 * statistics over `batches` (see the module doc); `num_batches_tracked` counts the batches, as in
 * training. Models without BatchNorm are left alone.
 *
 * @param models the models (e.g. the live model and its EMA copy); each sees every batch
 * @param batches training batches (normalised NHWC, no mixing)
 * @returns the number of batches used
 */
export async function recalibrateBn(
  models: readonly Model[],
  batches: AsyncIterable<TrainBatch> | Iterable<TrainBatch>,
): Promise<number> {
  const work = models
    .map((model) => ({
      // drop path off: the deterministic network that eval-mode inference runs
      view: { ...model, config: { ...model.config, dropPath: 0 } },
      layers: bnLayers(model),
    }))
    .filter((w) => w.layers.length > 0);
  if (work.length === 0) return 0;
  const sums: { mean: tf.Tensor; variance: tf.Tensor }[][] = work.map((w) =>
    w.layers.map((l) => ({
      mean: tf.zerosLike(l.mean as tf.Tensor),
      variance: tf.zerosLike(l.variance as tf.Tensor),
    }))
  );
  let count = 0;
  try {
    for await (const b of batches) {
      for (let i = 0; i < work.length; i++) {
        const w = work[i]!;
        tf.tidy(() => {
          for (const l of w.layers) {
            l.mean.assign(tf.zerosLike(l.mean));
            l.variance.assign(tf.zerosLike(l.variance));
          }
          const x = tf.tensor4d(b.x.subarray(0, b.n * b.h * b.w * b.c), [b.n, b.h, b.w, b.c]);
          forward(w.view, x, { training: true });
        });
        const before = sums[i]!;
        sums[i] = w.layers.map((l, j) => {
          const s = before[j]!;
          const next = tf.tidy(() => ({
            mean: tf.add(s.mean, tf.div(l.mean, BN_MOMENTUM)),
            variance: tf.add(s.variance, tf.div(l.variance, BN_MOMENTUM)),
          }));
          s.mean.dispose();
          s.variance.dispose();
          return next;
        });
      }
      count++;
    }
    if (count === 0) throw new Error("recalibrateBn: no batches");
    tf.tidy(() => {
      work.forEach((w, i) =>
        w.layers.forEach((l, j) => {
          l.mean.assign(tf.div(sums[i]![j]!.mean, count));
          l.variance.assign(tf.div(sums[i]![j]!.variance, count));
        })
      );
    });
  } finally {
    for (const s of sums.flat()) {
      s.mean.dispose();
      s.variance.dispose();
    }
  }
  return count;
}

/**
 * Runs `fn` with the BN statistics of `models` recalibrated on `batches`, then restores every
 * buffer of those models exactly (the live statistics the training continues with).
 *
 * @returns what `fn` returns
 */
export async function withRecalibratedBn<T>(
  models: readonly Model[],
  batches: AsyncIterable<TrainBatch> | Iterable<TrainBatch>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = models.map((m) => new Map([...m.buffers].map(([n, v]) => [n, tf.clone(v)])));
  try {
    await recalibrateBn(models, batches);
    return await fn();
  } finally {
    models.forEach((m, i) => {
      for (const [n, v] of saved[i]!) {
        m.buffers.get(n)!.assign(v);
        v.dispose();
      }
    });
  }
}
