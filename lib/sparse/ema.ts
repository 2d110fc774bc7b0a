/**
 * Sparse-aware exponential moving average of the weights (official `ModelEma.update` in
 * model_sema.py).
 *
 * @module
 */
import { tf } from "../tf.ts";

/**
 * One EMA update, in place. For a tensor with a mask m (official, per element):
 *
 *   new  = m ∧ (ema = 0)                      (weights grown since the last update)
 *   ema ← (d·ema + (1−d)·w)·m + d·w·new
 *
 * so masked-out positions read 0, active ones average as usual, and newly active ones
 * (ema still 0) jump to w exactly ((1−d)·w + d·w). Tensors without a mask, and every tensor
 * when `masks` is undefined (dense run), get ema ← d·ema + (1−d)·w.
 *
 * @param ema EMA variables by name (every one must have a model counterpart)
 * @param params current model tensors by name
 * @param decay d, e.g. 0.9999
 * @param masks device masks of the masked weights (float 0/1), or undefined for a dense run
 * @example
 * ```ts
 * import { tf } from "../tf.ts";
 * const ema = new Map([["w", tf.variable(tf.tensor([1, 0, 2]))]]);
 * const params = new Map([["w", tf.tensor([3, 5, 4])]]);
 * const masks = new Map([["w", tf.tensor([1, 1, 0])]]);
 * sparseEmaUpdate(ema, params, 0.9, masks);
 * // ema.get("w") is now [1.2, 5, 0]: averaged, newly grown (jumps to w), masked
 * ```
 */
export function sparseEmaUpdate(
  ema: ReadonlyMap<string, tf.Variable>,
  params: ReadonlyMap<string, tf.Tensor>,
  decay: number,
  masks?: ReadonlyMap<string, tf.Tensor>,
): void {
  if (!(decay >= 0 && decay <= 1)) throw new RangeError(`sparseEmaUpdate: decay ${decay}`);
  tf.tidy(() => {
    const d = tf.scalar(decay);
    const oneMinusD = tf.scalar(1 - decay);
    for (const [name, e] of ema) {
      const w = params.get(name);
      if (w === undefined) throw new RangeError(`sparseEmaUpdate: no model tensor "${name}"`);
      if (!tf.util.arraysEqual(e.shape, w.shape) || e.dtype !== "float32") {
        throw new RangeError(`sparseEmaUpdate: "${name}" must be float32 of shape [${e.shape}]`);
      }
      const avg = tf.add(tf.mul(e, d), tf.mul(w, oneMinusD));
      const m = masks?.get(name);
      if (m === undefined) {
        e.assign(avg);
        continue;
      }
      const fresh = tf.mul(m, tf.cast(tf.equal(e, 0), "float32"));
      e.assign(tf.add(tf.mul(avg, m), tf.mul(tf.mul(fresh, d), w)));
    }
  });
}
