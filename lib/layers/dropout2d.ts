/**
 * Channel dropout (PyTorch `nn.Dropout2d`, the dropout of mmsegmentation's decode heads): in
 * training each (sample, channel) plane of an NHWC map is zeroed with probability `rate` and the
 * kept ones are scaled by 1 / (1 − rate); at inference it is the identity.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";

/**
 * Dropout2d of `x` (NHWC): one `rng` draw per (sample, channel), sample-major. Returns `x` itself
 * (no draws) when `rate` ≤ 0.
 */
export function dropout2d(x: tf.Tensor4D, rate: number, rng: Rng): tf.Tensor4D {
  if (rate <= 0) return x;
  if (rate >= 1) throw new RangeError(`dropout2d(): rate must be < 1, got ${rate}`);
  const [n, , , c] = x.shape;
  const keep = 1 - rate;
  const scales = new Float32Array(n * c);
  for (let i = 0; i < scales.length; i++) scales[i] = rng.uniform() < keep ? 1 / keep : 0;
  return tf.tidy(() => tf.mul(x, tf.tensor4d(scales, [n, 1, 1, c])));
}
