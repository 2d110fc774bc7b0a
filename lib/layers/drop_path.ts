/**
 * Stochastic depth (DropPath) on the residual branch: per sample, keep with probability 1 − rate
 * and scale by 1 / (1 − rate), as timm's `drop_path` with `scale_by_keep=True`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";

/**
 * Drops whole samples of `x` (leading axis) with probability `rate`. The per-sample draws come
 * from `rng`, so runs are reproducible and resumable.
 */
export function dropPath<T extends tf.Tensor>(x: T, rate: number, rng: Rng): T {
  if (rate <= 0) return x;
  const keep = 1 - rate;
  const n = x.shape[0]!;
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.uniform() < keep ? 1 / keep : 0;
  const shape = [n, ...x.shape.slice(1).map(() => 1)];
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, shape)) as T);
}
