/**
 * mmsegmentation's UPerHead (Unified Perceptual Parsing) on NHWC backbone outputs: a pyramid
 * pooling module on the last map (adaptive average pooling to each pool scale, 1×1 ConvModule,
 * bilinear resize back, concatenated after the map itself, 3×3 `bottleneck`); 1×1 `lateral_convs`
 * on the other maps; a top-down path adding each level, bilinearly resized, to the one below;
 * 3×3 `fpn_convs` on all but the top level; every level resized to the finest and concatenated
 * (finest first); the 3×3 `fpn_bottleneck`; then `cls_seg`. Bilinear resizing throughout is
 * `align_corners=False`. The logits come out at the finest map's resolution (1/4 of the input).
 *
 * @module
 */
import { adaptiveAvgPool, resizeBilinear } from "../../layers/mod.ts";
import { tf } from "../../tf.ts";
import { classify, convModule, type HeadOptions } from "./head_modules.ts";
import type { SegModel } from "./seg_model.ts";

const P = "decode_head";

function hw(x: tf.Tensor4D): [number, number] {
  return [x.shape[1], x.shape[2]];
}

function pyramidPooling(model: SegModel, top: tf.Tensor4D, training: boolean): tf.Tensor4D {
  const pooled = model.config.head.poolScales.map((s, i) =>
    resizeBilinear(
      convModule(model, `${P}.psp_modules.${i}.1`, adaptiveAvgPool(top, [s, s]), training),
      hw(top),
    )
  );
  return convModule(model, `${P}.bottleneck`, tf.concat([top, ...pooled], 3), training);
}

/**
 * UPerHead logits [N, H/4, W/4, numClasses] (for outIndices [0..3]) from the backbone outputs.
 * @param feats the backbone outputs, finest first (one per `outIndices` entry)
 */
export function uperHead(
  model: SegModel,
  feats: readonly tf.Tensor4D[],
  opts: HeadOptions,
): tf.Tensor4D {
  const n = feats.length;
  if (n !== model.config.outIndices.length) {
    throw new Error(`uperHead(): ${n} feature maps for ${model.config.outIndices.length} outputs`);
  }
  return tf.tidy(() => {
    const t = opts.training;
    const laterals = feats.slice(0, -1).map((f, i) =>
      convModule(model, `${P}.lateral_convs.${i}`, f, t)
    );
    laterals.push(pyramidPooling(model, feats[n - 1]!, t));
    for (let i = n - 1; i > 0; i--) {
      const below = laterals[i - 1]!;
      laterals[i - 1] = tf.add(below, resizeBilinear(laterals[i]!, hw(below))) as tf.Tensor4D;
    }
    const outs = laterals.map((l, i) =>
      i < n - 1 ? convModule(model, `${P}.fpn_convs.${i}`, l, t) : l
    );
    const size = hw(outs[0]!);
    const fused = tf.concat(outs.map((o, i) => (i === 0 ? o : resizeBilinear(o, size))), 3);
    const h = convModule(model, `${P}.fpn_bottleneck`, fused, t);
    return classify(model, P, h, model.config.head.dropout, opts);
  });
}
