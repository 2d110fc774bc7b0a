/**
 * Building the segmentation model: the backbone as a {@link Model} (official unprefixed keys, so
 * the classification machinery - network skeleton, large-kernel branches, masks - applies to it
 * unchanged) and the heads' variables under mmseg names. Initialisation follows the official code
 * and mmcv: backbone conv/linear weights truncated normal (std 0.02), zero biases, norms at (1, 0),
 * layer scale at `layerScaleInit`; head ConvModule convs Kaiming normal (fan_out, ReLU gain:
 * std √(2 / (Cout·k·k))), BN at (1, 0), the classifiers `conv_seg` normal with std 0.01 and zero
 * bias.
 *
 * @module
 */
import { stageDims } from "../../config/model_config.ts";
import { tf } from "../../tf.ts";
import { Rng } from "../../util/rng.ts";
import { numel } from "../../util/shape.ts";
import type { Model } from "../model.ts";
import type { ParamSpec } from "../param_spec.ts";
import type { SegModelConfig } from "./config.ts";
import {
  BACKBONE_PREFIX,
  backboneParamSpecs,
  fcnHeadParamSpecs,
  uperHeadParamSpecs,
} from "./param_specs.ts";

/** Variables of the heads (UPerHead and auxiliary FCNHead) by mmseg name. */
export interface SegHeads {
  /** Their specs, in mmseg state_dict order. */
  specs: ParamSpec[];
  /** Trainable parameters. */
  params: Map<string, tf.Variable>;
  /** BN running statistics and counters. */
  buffers: Map<string, tf.Variable>;
}

/** A built segmentation model. */
export interface SegModel {
  /** The validated config. */
  config: SegModelConfig;
  /** The backbone, keys as in the official `SLaK` backbone (no `backbone.` prefix). */
  backbone: Model;
  /** The heads, keys prefixed `decode_head.` / `auxiliary_head.`. */
  heads: SegHeads;
}

/** Options of {@link buildSegModel}. */
export interface SegBuildOptions {
  /** Root seed: streams "init" (backbone) and "head-init" (heads). Default 0. */
  seed?: number;
  /** Allocate zeros instead of drawing an init (to load weights right after). */
  zeros?: boolean;
}

function backboneInit(spec: ParamSpec, config: SegModelConfig, rng: Rng): Float32Array {
  const out = new Float32Array(numel(spec.shape));
  switch (spec.kind) {
    case "conv":
    case "dwconv":
    case "linear":
      for (let i = 0; i < out.length; i++) out[i] = rng.truncNormal(0.02);
      return out;
    case "norm_weight":
    case "bn_var":
      return out.fill(1);
    case "gamma":
      return out.fill(config.backbone.layerScaleInit);
    default:
      return out;
  }
}

function headInit(spec: ParamSpec, rng: Rng): Float32Array {
  const out = new Float32Array(numel(spec.shape));
  if (spec.kind === "conv") {
    const [kh, kw, , cout] = spec.shape as [number, number, number, number];
    const std = spec.name.endsWith("conv_seg.weight") ? 0.01 : Math.sqrt(2 / (cout * kh * kw));
    for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  } else if (spec.kind === "norm_weight" || spec.kind === "bn_var") {
    out.fill(1);
  }
  return out;
}

function variables(
  specs: readonly ParamSpec[],
  values: (spec: ParamSpec) => Float32Array,
): { params: Map<string, tf.Variable>; buffers: Map<string, tf.Variable> } {
  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const v = tf.variable(tf.tensor(values(spec), spec.shape, "float32"), !spec.buffer);
    (spec.buffer ? buffers : params).set(spec.name, v);
  }
  return { params, buffers };
}

/**
 * Builds a segmentation model from a validated config (see `validateSegConfig`).
 * @example
 * ```ts
 * import { variantConfig } from "../resolve.ts";
 * import { paperSegHeads } from "./config.ts";
 * const m = buildSegModel({ backbone: variantConfig("slak_nano"), ...paperSegHeads(4) });
 * if (!m.heads.params.has("decode_head.conv_seg.weight")) throw new Error();
 * disposeSegModel(m);
 * ```
 */
export function buildSegModel(config: SegModelConfig, opts: SegBuildOptions = {}): SegModel {
  const seed = opts.seed ?? 0;
  const bRng = Rng.stream(seed, "init");
  const hRng = Rng.stream(seed, "head-init");
  const zeros = (s: ParamSpec) => new Float32Array(numel(s.shape));
  const bSpecs = backboneParamSpecs(config);
  const b = variables(bSpecs, opts.zeros ? zeros : (s) => backboneInit(s, config, bRng));
  const hSpecs = [...uperHeadParamSpecs(config), ...fcnHeadParamSpecs(config)];
  const h = variables(hSpecs, opts.zeros ? zeros : (s) => headInit(s, hRng));
  const backbone: Model = {
    config: config.backbone,
    dims: stageDims(config.backbone),
    specs: bSpecs,
    params: b.params,
    buffers: b.buffers,
  };
  return { config, backbone, heads: { specs: hSpecs, ...h } };
}

/** Frees every variable of a segmentation model. */
export function disposeSegModel(model: SegModel): void {
  const maps = [model.backbone.params, model.backbone.buffers, model.heads.params];
  for (const m of [...maps, model.heads.buffers]) for (const v of m.values()) v.dispose();
}

/** The variable of a head key (`decode_head.…`, `auxiliary_head.…`); throws for an unknown one. */
export function headVar(model: SegModel, name: string): tf.Variable {
  const v = model.heads.params.get(name) ?? model.heads.buffers.get(name);
  if (!v) throw new Error(`Segmentation model has no head parameter "${name}"`);
  return v;
}

/**
 * Every trainable variable by its mmseg name (backbone keys prefixed `backbone.`), backbone first:
 * what an optimizer steps.
 */
export function segTrainableVariables(model: SegModel): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const [k, v] of model.backbone.params) out.set(BACKBONE_PREFIX + k, v);
  for (const [k, v] of model.heads.params) out.set(k, v);
  return out;
}
