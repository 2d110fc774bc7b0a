/**
 * The official `sparse=True` fine-tuning of the segmentation backbone: right after the ImageNet
 * checkpoint is loaded, one mask per backbone weight with 2 or 4 dims (stem and downsampling
 * convs, every large-kernel branch, pwconv1/2; not norms, biases, layer scale or the heads) is
 * rebuilt from the weights' exact zeros, and the masks stay fixed: the official backbone multiplies
 * the weights by them before every forward pass. Applying them after loading and after every
 * optimizer step gives the same forward values and the same optimizer trajectory (the masked
 * weights are zero whenever they are used; their gradients and moments are the same).
 *
 * @module
 */
import { applyMasks, maskableNames, maskTensors, shapesOf } from "../../sparse/mod.ts";
import type { MaskMap } from "../../sparse/types.ts";
import type { tf } from "../../tf.ts";
import type { Model } from "../model.ts";

/** Host 0/1 masks `w ≠ 0` of every 2-D/4-D backbone weight (tfjs layout, row-major). */
export async function masksFromZeros(backbone: Model): Promise<MaskMap> {
  const masks: MaskMap = new Map();
  for (const name of maskableNames(shapesOf(backbone.params))) {
    const w = await backbone.params.get(name)!.data() as Float32Array;
    const m = new Uint8Array(w.length);
    for (let i = 0; i < w.length; i++) m[i] = w[i] !== 0 ? 1 : 0;
    masks.set(name, m);
  }
  return masks;
}

/** Device copies of host masks for {@link applyBackboneMasks} (the caller disposes them). */
export function backboneMaskTensors(backbone: Model, masks: MaskMap): Map<string, tf.Tensor> {
  return maskTensors(masks, shapesOf(backbone.params));
}

/** weight ← weight ⊙ mask for every masked backbone weight (after loading and every step). */
export function applyBackboneMasks(backbone: Model, masks: ReadonlyMap<string, tf.Tensor>): void {
  applyMasks(backbone.params, masks);
}
