/**
 * The parameter list of a model, derived from its config alone: official PyTorch state_dict names,
 * tfjs shapes, PyTorch shapes, the kind of layer (for layout conversion and init) and the stage it
 * belongs to. One source of truth for building, counting, checkpoint I/O and masking.
 *
 * Layouts: conv weight tfjs [kh, kw, in, out] ↔ PyTorch [out, in, kh, kw]; depthwise tfjs
 * [kh, kw, C, 1] ↔ PyTorch [C, 1, kh, kw]; linear tfjs [in, out] ↔ PyTorch [out, in].
 *
 * @module
 */
import { type ModelConfig, stageDims } from "../config/model_config.ts";

/** What a parameter is; decides its layout conversion, init and whether it is maskable. */
export type ParamKind =
  | "conv" // dense conv weight (stem, downsample)
  | "dwconv" // depthwise conv weight (large-kernel branches, ConvNeXt dwconv)
  | "linear" // linear weight (pwconv1/2, head)
  | "bias" // conv/linear bias
  | "norm_weight" // LN/BN weight (init 1)
  | "norm_bias" // LN/BN bias (init 0)
  | "gamma" // layer scale
  | "bn_mean" // BN running mean (buffer)
  | "bn_var" // BN running var (buffer)
  | "bn_count"; // BN num_batches_tracked (int64 buffer)

/** One parameter or buffer. */
export interface ParamSpec {
  /** Official state_dict key. */
  name: string;
  /** Shape in tfjs layout. */
  shape: number[];
  /** Shape in PyTorch layout. */
  torchShape: number[];
  /** What the tensor is (conv, linear, norm, large-kernel branch ...), for masking and init. */
  kind: ParamKind;
  /** 0..3 for stem/downsample + blocks of that stage; 4 for the final norm and head. */
  stage: number;
  /** Buffers (BN running stats) are not trained. */
  buffer: boolean;
  /** For weights that feed a conv/linear: multiply-accumulates per output position (see count). */
  macsPerPosition?: number;
}

/** Block-level naming of a large-kernel branch. */
export interface BranchSpec {
  /** Module path, e.g. `stages.0.1.large_kernel.LoRA1`. */
  prefix: string;
  kh: number;
  kw: number;
}

/** Whether a parameter kind is a trainable weight with 2 or 4 dims (the official mask rule). */
export function isMaskableKind(kind: ParamKind): boolean {
  return kind === "conv" || kind === "dwconv" || kind === "linear";
}

/**
 * The large-kernel branches of one block, as the official `ReparamLargeKernelConv` builds them:
 * decomposed → LoRA1 (M×N), LoRA2 (N×M); dense → lkb_origin (M×M); plus small_conv (N×N) when
 * N < M.
 */
export function largeKernelBranches(
  config: ModelConfig,
  stage: number,
  block: number,
): BranchSpec[] {
  const m = config.kernelSizes[stage]!;
  const p = `stages.${stage}.${block}.large_kernel`;
  if (config.arch === "convnext") {
    return [{ prefix: `stages.${stage}.${block}.dwconv`, kh: m, kw: m }];
  }
  const n = config.smallKernel;
  const out: BranchSpec[] = [];
  if (config.lkMode === "decomposed") {
    out.push({ prefix: `${p}.LoRA1`, kh: m, kw: n! });
    out.push({ prefix: `${p}.LoRA2`, kh: n!, kw: m });
  } else {
    out.push({ prefix: `${p}.lkb_origin`, kh: m, kw: m });
  }
  if (n !== null && n < m) out.push({ prefix: `${p}.small_conv`, kh: n, kw: n });
  return out;
}

function lnSpecs(prefix: string, c: number, stage: number): ParamSpec[] {
  return [
    {
      name: `${prefix}.weight`,
      shape: [c],
      torchShape: [c],
      kind: "norm_weight",
      stage,
      buffer: false,
    },
    {
      name: `${prefix}.bias`,
      shape: [c],
      torchShape: [c],
      kind: "norm_bias",
      stage,
      buffer: false,
    },
  ];
}

function bnSpecs(prefix: string, c: number, stage: number): ParamSpec[] {
  return [
    ...lnSpecs(prefix, c, stage),
    {
      name: `${prefix}.running_mean`,
      shape: [c],
      torchShape: [c],
      kind: "bn_mean",
      stage,
      buffer: true,
    },
    {
      name: `${prefix}.running_var`,
      shape: [c],
      torchShape: [c],
      kind: "bn_var",
      stage,
      buffer: true,
    },
    {
      name: `${prefix}.num_batches_tracked`,
      shape: [],
      torchShape: [],
      kind: "bn_count",
      stage,
      buffer: true,
    },
  ];
}

function convSpec(name: string, k: number, cin: number, cout: number, stage: number): ParamSpec {
  return {
    name,
    shape: [k, k, cin, cout],
    torchShape: [cout, cin, k, k],
    kind: "conv",
    stage,
    buffer: false,
    macsPerPosition: k * k * cin * cout,
  };
}

function vec(name: string, c: number, kind: ParamKind, stage: number): ParamSpec {
  return { name, shape: [c], torchShape: [c], kind, stage, buffer: false };
}

function linearSpec(name: string, cin: number, cout: number, stage: number): ParamSpec {
  return {
    name,
    shape: [cin, cout],
    torchShape: [cout, cin],
    kind: "linear",
    stage,
    buffer: false,
    macsPerPosition: cin * cout,
  };
}

/** Every parameter and buffer of the model, in official state_dict order. */
export function modelParamSpecs(config: ModelConfig): ParamSpec[] {
  const dims = stageDims(config);
  const specs: ParamSpec[] = [];
  // downsample_layers.0 = stem: conv 4x4/4 + LN; 1..3: LN + conv 2x2/2
  specs.push(convSpec("downsample_layers.0.0.weight", 4, config.inChannels, dims[0]!, 0));
  specs.push(vec("downsample_layers.0.0.bias", dims[0]!, "bias", 0));
  specs.push(...lnSpecs("downsample_layers.0.1", dims[0]!, 0));
  for (let i = 1; i < 4; i++) {
    specs.push(...lnSpecs(`downsample_layers.${i}.0`, dims[i - 1]!, i));
    specs.push(convSpec(`downsample_layers.${i}.1.weight`, 2, dims[i - 1]!, dims[i]!, i));
    specs.push(vec(`downsample_layers.${i}.1.bias`, dims[i]!, "bias", i));
  }
  for (let s = 0; s < 4; s++) {
    const c = dims[s]!;
    for (let b = 0; b < config.depths[s]!; b++) {
      const p = `stages.${s}.${b}`;
      // a module's own parameters come before its children's in a PyTorch state_dict
      if (config.layerScaleInit > 0) specs.push(vec(`${p}.gamma`, c, "gamma", s));
      for (const br of largeKernelBranches(config, s, b)) {
        const name = config.arch === "convnext"
          ? `${br.prefix}.weight`
          : `${br.prefix}.conv.weight`;
        specs.push({
          name,
          shape: [br.kh, br.kw, c, 1],
          torchShape: [c, 1, br.kh, br.kw],
          kind: "dwconv",
          stage: s,
          buffer: false,
          macsPerPosition: br.kh * br.kw * c,
        });
        if (config.arch === "convnext") specs.push(vec(`${br.prefix}.bias`, c, "bias", s));
        else if (config.bn) specs.push(...bnSpecs(`${br.prefix}.bn`, c, s));
      }
      specs.push(...lnSpecs(`${p}.norm`, c, s));
      specs.push(linearSpec(`${p}.pwconv1.weight`, c, 4 * c, s));
      specs.push(vec(`${p}.pwconv1.bias`, 4 * c, "bias", s));
      specs.push(linearSpec(`${p}.pwconv2.weight`, 4 * c, c, s));
      specs.push(vec(`${p}.pwconv2.bias`, c, "bias", s));
    }
  }
  specs.push(...lnSpecs("norm", dims[3]!, 4));
  specs.push(linearSpec("head.weight", dims[3]!, config.numClasses, 4));
  specs.push(vec("head.bias", config.numClasses, "bias", 4));
  return specs;
}
