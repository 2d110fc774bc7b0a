/**
 * Stochastic depth (DropPath) on the residual branch: per sample, keep with probability 1 − rate
 * and scale by 1 / (1 − rate), as timm's `drop_path` with `scale_by_keep=True`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";

/**
 * The per-sample factors of one drop path over `n` samples: 1/(1 − rate) (kept) or 0 (dropped),
 * one `rng` draw per sample in sample order; null when `rate` ≤ 0 (no draws).
 */
export function dropPathScales(n: number, rate: number, rng: Rng): Float32Array | null {
  if (rate <= 0) return null;
  const keep = 1 - rate;
  const scales = new Float32Array(n);
  for (let i = 0; i < n; i++) scales[i] = rng.uniform() < keep ? 1 / keep : 0;
  return scales;
}

/**
 * Drops whole samples of `x` (leading axis) with probability `rate`. The per-sample draws come
 * from `rng`, so runs are reproducible and resumable. (The blocks fold this into their residual
 * add: residual.ts.)
 */
export function dropPath<T extends tf.Tensor>(x: T, rate: number, rng: Rng): T {
  const scales = dropPathScales(x.shape[0]!, rate, rng);
  if (scales === null) return x;
  const shape = [scales.length, ...x.shape.slice(1).map(() => 1)];
  return tf.tidy(() => tf.mul(x, tf.tensor(scales, shape)) as T);
}
