/**
 * The model config: the user-facing contract for describing a ConvNeXt or SLaK variant. Users write
 * these field names in YAML; `--set kernelSizes=[61,59,57,13]` overrides them. Discriminated on
 * `arch`. Both arches carry every field so that a resolved config always has the same keys; the
 * ConvNeXt arch pins the SLaK-only ones (`smallKernel: null`, `lkMode: "dense"`, `bn: false`).
 *
 * @module
 */
import { z } from "zod";
import { assertSame, type Same } from "../util/same_type.ts";

const positiveInt = z.int().min(1);
const oddKernel = z.int().min(1).refine((k) => k % 2 === 1, {
  message: "kernel sizes must be odd ('same' padding k//2 keeps the map size only for odd k)",
});
const four = <T extends z.ZodType>(t: T) => z.tuple([t, t, t, t]);

const common = {
  /** Blocks per stage. */
  depths: four(positiveInt),
  /** Stage widths before the width factor. */
  dims: four(positiveInt),
  /** Stage kernel sizes M (odd). */
  kernelSizes: four(oddKernel),
  /** Width factor applied to all four dims, floored as the official code does. */
  widthFactor: z.number().positive().max(16),
  /** Fraction of zero weights in maskable (2-D/4-D) weights, 0 <= s < 1. */
  sparsity: z.number().min(0).lt(1),
  /** Classifier outputs. */
  numClasses: positiveInt,
  /** Input image channels. */
  inChannels: positiveInt,
  /** Final stochastic-depth rate (linear ramp over all blocks). */
  dropPath: z.number().min(0).lt(1),
  /** Layer-scale init value; 0 disables layer scale (no `gamma` parameter). */
  layerScaleInit: z.number().min(0),
  /** Multiplier for the classifier's initial weight and bias. */
  headInitScale: z.number().positive(),
};

/** Schema of the official ConvNeXt (7×7 depthwise with bias, no BN). */
export const ConvNextConfigSchema = z.strictObject({
  arch: z.literal("convnext"),
  ...common,
  smallKernel: z.null(),
  lkMode: z.literal("dense"),
  bn: z.literal(false),
});

/** Schema of SLaK: the large-kernel module in dense (RepLKNet-style) or decomposed form. */
export const SlakConfigSchema = z.strictObject({
  arch: z.literal("slak"),
  ...common,
  /** Short edge N of the decomposed kernels and size of the small parallel branch; null = none. */
  smallKernel: oddKernel.nullable(),
  /** "dense": M×M (+ N×N); "decomposed": M×N + N×M (+ N×N). */
  lkMode: z.enum(["dense", "decomposed"]),
  /** BatchNorm after each large-kernel branch. */
  bn: z.boolean(),
});

/** Any model config. */
export const ModelConfigSchema = z.discriminatedUnion("arch", [
  ConvNextConfigSchema,
  SlakConfigSchema,
]).superRefine((c, ctx) => {
  if (c.arch === "slak" && c.lkMode === "decomposed" && c.smallKernel === null) {
    ctx.addIssue({
      code: "custom",
      path: ["smallKernel"],
      message: 'lkMode "decomposed" needs a short edge: set smallKernel to an odd integer (e.g. 5)',
    });
  }
});

/** Four per-stage values. */
export type PerStage = [number, number, number, number];

/** The fields every model config has (see the schema's field comments). */
export interface ModelConfigCommon {
  /** Blocks per stage. */
  depths: PerStage;
  /** Stage widths before the width factor. */
  dims: PerStage;
  /** Stage kernel sizes M (odd). */
  kernelSizes: PerStage;
  /** Width factor applied to all four dims, floored as the official code does. */
  widthFactor: number;
  /** Fraction of zero weights in maskable (2-D/4-D) weights, 0 <= s < 1. */
  sparsity: number;
  /** Classifier outputs. */
  numClasses: number;
  /** Input image channels. */
  inChannels: number;
  /** Final stochastic-depth rate (linear ramp over all blocks). */
  dropPath: number;
  /** Layer-scale init value; 0 disables layer scale (no `gamma` parameter). */
  layerScaleInit: number;
  /** Multiplier for the classifier's initial weight and bias. */
  headInitScale: number;
}

/** A ConvNeXt config (7×7 depthwise with bias, no BN). */
export interface ConvNextConfig extends ModelConfigCommon {
  /** The architecture. */
  arch: "convnext";
  /** No short edge. */
  smallKernel: null;
  /** Dense kernels only. */
  lkMode: "dense";
  /** No BN after the depthwise conv. */
  bn: false;
}

/** A SLaK config: the large-kernel module in dense (RepLKNet-style) or decomposed form. */
export interface SlakConfig extends ModelConfigCommon {
  /** The architecture. */
  arch: "slak";
  /** Short edge N of the decomposed kernels and size of the small parallel branch; null = none. */
  smallKernel: number | null;
  /** "dense": M×M (+ N×N); "decomposed": M×N + N×M (+ N×N). */
  lkMode: "dense" | "decomposed";
  /** BatchNorm after each large-kernel branch. */
  bn: boolean;
}

/** A validated model config. */
export type ModelConfig = ConvNextConfig | SlakConfig;

assertSame<Same<ConvNextConfig, z.output<typeof ConvNextConfigSchema>>>();
assertSame<Same<SlakConfig, z.output<typeof SlakConfigSchema>>>();
assertSame<Same<ModelConfig, z.output<typeof ModelConfigSchema>>>();

/** The field names of a model config, in canonical order. */
export const MODEL_CONFIG_KEYS = [
  "arch",
  "depths",
  "dims",
  "kernelSizes",
  "smallKernel",
  "lkMode",
  "bn",
  "widthFactor",
  "sparsity",
  "numClasses",
  "inChannels",
  "dropPath",
  "layerScaleInit",
  "headInitScale",
] as const;

/**
 * Stage widths after the width factor: `int(x * widthFactor)` as the official code.
 * @example
 * ```ts
 * // SLaK-T: [96, 192, 384, 768] at 1.3 → [124, 249, 499, 998]
 * ```
 */
export function stageDims(config: Pick<ModelConfig, "dims" | "widthFactor">): number[] {
  return config.dims.map((d) => Math.floor(d * config.widthFactor));
}

/** The config with its keys in canonical order (for hashing and printing). */
export function canonicalModelConfig(config: ModelConfig): ModelConfig {
  const out: Record<string, unknown> = {};
  for (const k of MODEL_CONFIG_KEYS) out[k] = config[k];
  return out as unknown as ModelConfig;
}
