/**
 * The segmentation backbone's forward pass (official `segmentation/slak.py`, `forward_features`):
 * the four stages of the classification network, and for every stage listed in `outIndices` its
 * output through that stage's own channels-first LayerNorm `norm{i}` (eps 1e-6). The normalised
 * maps are outputs only; the next stage continues from the un-normalised one. Strides 4, 8, 16,
 * 32. No final norm, pooling or classifier.
 *
 * @module
 */
import { layerNorm } from "../../layers/mod.ts";
import { tf } from "../../tf.ts";
import type { Rng } from "../../util/rng.ts";
import { networkParts } from "../forward.ts";
import type { Model } from "../model.ts";
import { runStage } from "../network.ts";

/** Options of {@link backboneFeatures}. */
export interface BackboneOptions {
  /** Train mode: BN batch statistics (running ones updated), drop path active. */
  training: boolean;
  /** Source of drop-path draws (required in training when dropPath > 0). */
  rng?: Rng | undefined;
}

/**
 * The backbone outputs for an NHWC batch: one NHWC map per entry of `outIndices` (in that order),
 * stage `i` at stride 2^(i+2) with `dims[i]` channels.
 * @param model the backbone (keys of the official `SLaK` backbone, including norm0..norm3)
 * @param outIndices stages to output, increasing
 */
export function backboneFeatures(
  model: Model,
  x: tf.Tensor4D,
  outIndices: readonly number[],
  opts: BackboneOptions,
): tf.Tensor4D[] {
  const parts = networkParts(model, opts.training);
  const netOpts = { training: opts.training, rng: opts.rng };
  const last = Math.max(...outIndices);
  return tf.tidy(() => {
    const outs: tf.Tensor4D[] = [];
    let h = x;
    for (let s = 0; s <= last; s++) {
      h = runStage(parts, h, s, netOpts);
      if (outIndices.includes(s)) {
        const w = parts.param(`norm${s}.weight`) as tf.Tensor1D;
        const b = parts.param(`norm${s}.bias`) as tf.Tensor1D;
        outs.push(layerNorm(h, w, b, 1e-6));
      }
    }
    return outs;
  });
}
