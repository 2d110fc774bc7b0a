/**
 * mmsegmentation's FCNHead as the auxiliary head of UperNet (`concat_input=False`): `numConvs`
 * ConvModules (k×k, padding k // 2) on one backbone output, then `cls_seg`. Its logits keep that
 * output's resolution (1/16 of the input on stage 3).
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { classify, convModule, type HeadOptions } from "./head_modules.ts";
import type { SegModel } from "./seg_model.ts";

const P = "auxiliary_head";

/**
 * Auxiliary logits [N, h, w, numClasses] from the backbone outputs (reads `aux.inIndex`).
 * Throws when the model has no auxiliary head.
 */
export function fcnHead(
  model: SegModel,
  feats: readonly tf.Tensor4D[],
  opts: HeadOptions,
): tf.Tensor4D {
  const a = model.config.aux;
  if (!a) throw new Error("fcnHead(): the model has no auxiliary head");
  const x = feats[a.inIndex];
  if (!x) throw new Error(`fcnHead(): no feature map at index ${a.inIndex}`);
  return tf.tidy(() => {
    let h = x;
    for (let j = 0; j < a.numConvs; j++) {
      h = convModule(model, `${P}.convs.${j}`, h, opts.training);
    }
    return classify(model, P, h, a.dropout, opts);
  });
}
