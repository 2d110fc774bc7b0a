/**
 * The parameter lists of the segmentation model, from its config alone, under mmsegmentation's
 * state_dict names so that an mmseg checkpoint loads as is:
 *
 * - backbone (official `segmentation/slak.py`): the classification body's keys without the final
 *   `norm` and `head`, plus `norm0..norm3` (one channels-first LayerNorm per stage; all four exist
 *   whatever `outIndices` is, as in the official code); prefixed `backbone.` in a checkpoint.
 * - `decode_head.` (UPerHead): `conv_seg`, `psp_modules.{i}.1`, `bottleneck`, `lateral_convs.{i}`,
 *   `fpn_convs.{i}`, `fpn_bottleneck`; every ConvModule is `conv.weight` + `bn.*` (no conv bias).
 * - `auxiliary_head.` (FCNHead): `conv_seg`, `convs.{j}`.
 *
 * Head parameters carry stage 4 (after the backbone's stages, as the classifier does).
 *
 * @module
 */
import { stageDims } from "../../config/model_config.ts";
import { modelParamSpecs, type ParamKind, type ParamSpec } from "../param_spec.ts";
import type { SegModelConfig } from "./config.ts";

/** Prefix of the backbone's keys in a segmentor checkpoint. */
export const BACKBONE_PREFIX = "backbone.";
/** Prefix of the UPerHead's keys. */
export const DECODE_PREFIX = "decode_head.";
/** Prefix of the auxiliary FCNHead's keys. */
export const AUX_PREFIX = "auxiliary_head.";

const HEAD_STAGE = 4;

function vec(name: string, c: number, kind: ParamKind, stage: number, buffer = false): ParamSpec {
  return { name, shape: [c], torchShape: [c], kind, stage, buffer };
}

/** The backbone's keys (unprefixed): the body of the classifier, then norm0..norm3. */
export function backboneParamSpecs(config: SegModelConfig): ParamSpec[] {
  const body = modelParamSpecs(config.backbone).filter((s) => s.stage < 4);
  const dims = stageDims(config.backbone);
  const norms = dims.flatMap((c, i) => [
    vec(`norm${i}.weight`, c, "norm_weight", i),
    vec(`norm${i}.bias`, c, "norm_bias", i),
  ]);
  return [...body, ...norms];
}

/** Channels of the backbone's outputs, in `outIndices` order. */
export function outputChannels(config: SegModelConfig): number[] {
  const dims = stageDims(config.backbone);
  return config.outIndices.map((i) => dims[i]!);
}

/** The specs of one mmcv ConvModule (conv without bias, BatchNorm) under `prefix`. */
export function convModuleSpecs(prefix: string, k: number, cin: number, cout: number): ParamSpec[] {
  return [
    {
      name: `${prefix}.conv.weight`,
      shape: [k, k, cin, cout],
      torchShape: [cout, cin, k, k],
      kind: "conv",
      stage: HEAD_STAGE,
      buffer: false,
      macsPerPosition: k * k * cin * cout,
    },
    vec(`${prefix}.bn.weight`, cout, "norm_weight", HEAD_STAGE),
    vec(`${prefix}.bn.bias`, cout, "norm_bias", HEAD_STAGE),
    vec(`${prefix}.bn.running_mean`, cout, "bn_mean", HEAD_STAGE, true),
    vec(`${prefix}.bn.running_var`, cout, "bn_var", HEAD_STAGE, true),
    {
      name: `${prefix}.bn.num_batches_tracked`,
      shape: [],
      torchShape: [],
      kind: "bn_count",
      stage: HEAD_STAGE,
      buffer: true,
    },
  ];
}

function convSegSpecs(prefix: string, cin: number, classes: number): ParamSpec[] {
  return [
    {
      name: `${prefix}.conv_seg.weight`,
      shape: [1, 1, cin, classes],
      torchShape: [classes, cin, 1, 1],
      kind: "conv",
      stage: HEAD_STAGE,
      buffer: false,
      macsPerPosition: cin * classes,
    },
    vec(`${prefix}.conv_seg.bias`, classes, "bias", HEAD_STAGE),
  ];
}

/** The UPerHead's keys (prefixed `decode_head.`), in mmseg's state_dict order. */
export function uperHeadParamSpecs(config: SegModelConfig): ParamSpec[] {
  const p = DECODE_PREFIX.slice(0, -1);
  const ch = config.head.channels;
  const ins = outputChannels(config);
  const top = ins[ins.length - 1]!;
  const scales = config.head.poolScales;
  return [
    ...convSegSpecs(p, ch, config.numClasses),
    ...scales.flatMap((_, i) => convModuleSpecs(`${p}.psp_modules.${i}.1`, 1, top, ch)),
    ...convModuleSpecs(`${p}.bottleneck`, 3, top + scales.length * ch, ch),
    ...ins.slice(0, -1).flatMap((c, i) => convModuleSpecs(`${p}.lateral_convs.${i}`, 1, c, ch)),
    ...ins.slice(0, -1).flatMap((_, i) => convModuleSpecs(`${p}.fpn_convs.${i}`, 3, ch, ch)),
    ...convModuleSpecs(`${p}.fpn_bottleneck`, 3, ins.length * ch, ch),
  ];
}

/** The auxiliary FCNHead's keys (prefixed `auxiliary_head.`); empty without one. */
export function fcnHeadParamSpecs(config: SegModelConfig): ParamSpec[] {
  const a = config.aux;
  if (!a) return [];
  const p = AUX_PREFIX.slice(0, -1);
  const cin = outputChannels(config)[a.inIndex]!;
  return [
    ...convSegSpecs(p, a.channels, config.numClasses),
    ...Array.from(
      { length: a.numConvs },
      (_, j) =>
        convModuleSpecs(`${p}.convs.${j}`, a.kernelSize, j === 0 ? cin : a.channels, a.channels),
    ).flat(),
  ];
}

/** Every key of the segmentor as an mmseg checkpoint holds it (backbone keys prefixed). */
export function segParamSpecs(config: SegModelConfig): ParamSpec[] {
  const backbone = backboneParamSpecs(config).map((s) => ({
    ...s,
    name: BACKBONE_PREFIX + s.name,
  }));
  return [...backbone, ...uperHeadParamSpecs(config), ...fcnHeadParamSpecs(config)];
}
