/**
 * The pieces mmsegmentation's decode heads share, over a {@link SegModel}'s head variables: a
 * ConvModule (`{prefix}.conv.weight`, `{prefix}.bn.*`: conv, BN, ReLU) and `cls_seg` (Dropout2d in
 * training, then the 1×1 classifier `conv_seg` with bias).
 *
 * @module
 */
import { type BatchNormParams, conv2dSame, convBnRelu, dropout2d } from "../../layers/mod.ts";
import { tf } from "../../tf.ts";
import type { Rng } from "../../util/rng.ts";
import { headVar, type SegModel } from "./seg_model.ts";

/** Options of the heads' forward passes. */
export interface HeadOptions {
  /** Train mode: BN batch statistics (running ones updated) and dropout. */
  training: boolean;
  /** Source of dropout draws (required in training when a dropout rate is > 0). */
  rng?: Rng | undefined;
}

function bnParams(model: SegModel, prefix: string): BatchNormParams {
  return {
    weight: headVar(model, `${prefix}.weight`),
    bias: headVar(model, `${prefix}.bias`),
    runningMean: headVar(model, `${prefix}.running_mean`),
    runningVar: headVar(model, `${prefix}.running_var`),
    numBatchesTracked: headVar(model, `${prefix}.num_batches_tracked`),
  };
}

/** The ConvModule `prefix` (e.g. `decode_head.bottleneck`) applied to NHWC `x`. */
export function convModule(
  model: SegModel,
  prefix: string,
  x: tf.Tensor4D,
  training: boolean,
): tf.Tensor4D {
  const w = headVar(model, `${prefix}.conv.weight`) as tf.Tensor as tf.Tensor4D;
  return convBnRelu(x, w, bnParams(model, `${prefix}.bn`), training);
}

/** `cls_seg` of the head `prefix` (`decode_head` / `auxiliary_head`): per-pixel class logits. */
export function classify(
  model: SegModel,
  prefix: string,
  x: tf.Tensor4D,
  dropout: number,
  opts: HeadOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    let h = x;
    if (opts.training && dropout > 0) {
      if (!opts.rng) throw new Error(`${prefix}: training with dropout needs an rng`);
      h = dropout2d(h, dropout, opts.rng);
    }
    const w = headVar(model, `${prefix}.conv_seg.weight`) as tf.Tensor as tf.Tensor4D;
    return tf.add(conv2dSame(h, w), headVar(model, `${prefix}.conv_seg.bias`)) as tf.Tensor4D;
  });
}
