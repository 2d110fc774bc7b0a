/**
 * The whole segmentor, as mmsegmentation's `EncoderDecoder` runs it: backbone outputs → UPerHead
 * logits at 1/4 resolution (and the auxiliary FCNHead's at 1/16 in training) → for prediction,
 * the decode logits resized bilinearly (align_corners=False) to the input size; for training, the
 * weighted sum of both heads' pixel cross-entropies (loss.ts).
 *
 * @module
 */
import { resizeBilinear } from "../../layers/mod.ts";
import { tf } from "../../tf.ts";
import type { Rng } from "../../util/rng.ts";
import { backboneFeatures } from "./backbone.ts";
import { fcnHead } from "./fcn_head.ts";
import { pixelCrossEntropy } from "./loss.ts";
import type { SegModel } from "./seg_model.ts";
import { uperHead } from "./upernet.ts";

/** Options of {@link segForward}. */
export interface SegForwardOptions {
  /** Train mode: BN batch statistics, drop path and dropout. */
  training: boolean;
  /** Source of drop-path and dropout draws (required in training when either rate is > 0). */
  rng?: Rng | undefined;
  /** Also run the auxiliary head (default: in training, when the model has one). */
  aux?: boolean;
}

/** What {@link segForward} returns (NHWC tensors the caller disposes). */
export interface SegOutputs {
  /** Backbone outputs, one per `outIndices` entry. */
  feats: tf.Tensor4D[];
  /** UPerHead logits [N, H/4, W/4, K]. */
  decode: tf.Tensor4D;
  /** FCNHead logits [N, H/16, W/16, K], or null. */
  aux: tf.Tensor4D | null;
}

/** Runs backbone and heads on an NHWC batch. */
export function segForward(model: SegModel, x: tf.Tensor4D, opts: SegForwardOptions): SegOutputs {
  const withAux = (opts.aux ?? opts.training) && model.config.aux !== null;
  const feats = backboneFeatures(model.backbone, x, model.config.outIndices, opts);
  const decode = uperHead(model, feats, opts);
  const aux = withAux ? fcnHead(model, feats, opts) : null;
  return { feats, decode, aux };
}

/** Frees the tensors of a {@link SegOutputs}. */
export function disposeSegOutputs(out: SegOutputs): void {
  tf.dispose([...out.feats, out.decode, ...(out.aux ? [out.aux] : [])]);
}

/**
 * Eval-mode per-pixel logits at the input's size [N, H, W, K] (mmseg `encode_decode`: the decode
 * logits resized bilinearly, align_corners=False).
 */
export function segLogits(model: SegModel, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const out = segForward(model, x, { training: false, aux: false });
    return resizeBilinear(out.decode, [x.shape[1], x.shape[2]]);
  });
}

/** The loss terms of {@link segLoss}. */
export interface SegLoss {
  /** decode + lossWeight · aux (what is minimised). */
  total: tf.Scalar;
  /** The decode head's cross-entropy. */
  decode: tf.Scalar;
  /** The auxiliary head's cross-entropy (unweighted), or null. */
  aux: tf.Scalar | null;
}

/** The training loss of `out` against int32 labels [N, H, W] (mmseg's sum of weighted terms). */
export function segLoss(model: SegModel, out: SegOutputs, labels: tf.Tensor3D): SegLoss {
  const ignore = model.config.ignoreIndex;
  const decode = pixelCrossEntropy(out.decode, labels, ignore);
  const aux = out.aux ? pixelCrossEntropy(out.aux, labels, ignore) : null;
  const weight = model.config.aux?.lossWeight ?? 0;
  const total = aux ? tf.tidy(() => tf.add(decode, tf.mul(aux, weight)) as tf.Scalar) : decode;
  return { total, decode, aux };
}
