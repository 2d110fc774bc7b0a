/**
 * The EMA copy of a model: one zero-initialised variable per parameter and buffer, and a model
 * that reads its weights from them (for evaluation). The sparse-aware update is
 * `sparseEmaUpdate` (lib/sparse/ema.ts).
 *
 * @module
 */
import type { Model } from "../models/model.ts";
import { tf } from "../tf.ts";

/** EMA variables by name (parameters and buffers) and the model that uses them. */
export function emaCopy(model: Model): { vars: Map<string, tf.Variable>; model: Model } {
  const vars = new Map(
    [...model.params, ...model.buffers].map(([n, v]) => [n, tf.variable(tf.zerosLike(v), false)]),
  );
  const pick = (names: Iterable<string>) => new Map([...names].map((n) => [n, vars.get(n)!]));
  return {
    vars,
    model: { ...model, params: pick(model.params.keys()), buffers: pick(model.buffers.keys()) },
  };
}
