/**
 * Masks on the device: conversion from host masks and the in-place `weight ← weight ⊙ mask`
 * applied after every optimizer step (official `Masking.apply_mask`).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { numel } from "../util/shape.ts";
import type { ShapeMap } from "./types.ts";

/**
 * Float32 0/1 tensors with the weights' shapes, one per host mask. The caller owns (and
 * disposes) them; replace them after every topology update.
 *
 * @param masks host masks
 * @param shapes the weights' shapes
 */
export function maskTensors(
  masks: ReadonlyMap<string, Uint8Array>,
  shapes: ShapeMap,
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, m] of masks) {
    const shape = shapes.get(name);
    if (shape === undefined) throw new RangeError(`maskTensors: no shape for "${name}"`);
    if (numel(shape) !== m.length) {
      throw new RangeError(
        `maskTensors: mask of "${name}" has ${m.length} elements, weight [${shape}]`,
      );
    }
    out.set(name, tf.tensor(Float32Array.from(m), [...shape], "float32"));
  }
  return out;
}

/**
 * weight ← weight ⊙ mask, in place (`Variable.assign`), for every masked weight. Every optimizer
 * step must leave the weights masked, whatever the precision or code path (the official code skips
 * it under AMP): the trainer passes the masks to `AdamW.step`, which folds this multiply into its
 * fused update (same bits); call this after a step that does not, and right after every topology
 * update with the new masks.
 *
 * @param params model variables by official state_dict name
 * @param masks device masks from {@link maskTensors}
 * @example
 * ```ts
 * import { tf } from "../tf.ts";
 * const params = new Map([["w", tf.variable(tf.tensor([[1, 2], [3, 4]]))]]);
 * const masks = new Map([["w", new Uint8Array([1, 0, 0, 1])]]);
 * applyMasks(params, maskTensors(masks, shapesOf(params)));
 * // params.get("w") is now [[1, 0], [0, 4]]
 * ```
 */
export function applyMasks(
  params: ReadonlyMap<string, tf.Variable>,
  masks: ReadonlyMap<string, tf.Tensor>,
): void {
  tf.tidy(() => {
    for (const [name, m] of masks) {
      const p = params.get(name);
      if (p === undefined) throw new RangeError(`applyMasks: no parameter named "${name}"`);
      if (!tf.util.arraysEqual(p.shape, m.shape)) {
        throw new RangeError(`applyMasks: mask of "${name}" is [${m.shape}], weight [${p.shape}]`);
      }
      p.assign(tf.mul(p, m));
    }
  });
}

/** The shapes of a set of tensors, by name. */
export function shapesOf(tensors: ReadonlyMap<string, tf.Tensor>): Map<string, number[]> {
  return new Map([...tensors].map(([n, t]) => [n, [...t.shape]]));
}

/**
 * Host copies (Float32Array, row-major) of the named tensors, e.g. the masked weights for
 * {@link pruneAndGrow} or the per-layer SNIP scores.
 *
 * @param tensors tensors by name
 * @param names which ones (default: all), in this order
 */
export async function hostValues(
  tensors: ReadonlyMap<string, tf.Tensor>,
  names: Iterable<string> = tensors.keys(),
): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const n of names) {
    const t = tensors.get(n);
    if (t === undefined) throw new RangeError(`hostValues: no tensor named "${n}"`);
    const d = await t.data();
    out.set(n, d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>));
  }
  return out;
}
