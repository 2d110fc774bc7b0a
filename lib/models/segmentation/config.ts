/**
 * The segmentation model config: a ConvNeXt/SLaK backbone (the classification model config, whose
 * `numClasses`/`headInitScale` are unused here) with mmsegmentation's UPerHead and auxiliary
 * FCNHead, as the official SLaK downstream config builds them (`upernet_SLaK.py`): pool scales
 * 1/2/3/6, 512 head channels, 256 auxiliary channels on stage 3 (index 2), one 3×3 auxiliary conv,
 * dropout 0.1, auxiliary loss weight 0.4, ignore index 255, bilinear resizing with
 * `align_corners=False` (not configurable: every official config uses it).
 *
 * @module
 */
import { z } from "zod";
import { validate } from "../../config/layering.ts";
import { type ModelConfig, ModelConfigSchema } from "../../config/model_config.ts";
import { ConfigError } from "../../util/errors.ts";
import { assertSame, type Same } from "../../util/same_type.ts";

const positiveInt = z.int().min(1);
const rate = z.number().min(0).lt(1);

/** Schema of the UPerHead section. */
const UperHeadConfigSchema = z.strictObject({
  /** Channels of every head module before the classifier (mmseg `channels`; 512 in the paper). */
  channels: positiveInt,
  /** Pyramid pooling output sizes on the last feature map. */
  poolScales: z.array(positiveInt).min(1),
  /** Dropout2d rate before the 1×1 classifier. */
  dropout: rate,
});

/** Schema of the auxiliary FCNHead section. */
const FcnHeadConfigSchema = z.strictObject({
  /** Channels of its convs (256 in the paper). */
  channels: positiveInt,
  /** Which backbone output it reads (index into the outputs; 2 = stage 3 at stride 16). */
  inIndex: z.int().min(0),
  /** Number of conv + BN + ReLU modules (1 in the paper). */
  numConvs: positiveInt,
  /** Their kernel size (odd; 3 in the paper). */
  kernelSize: positiveInt.refine((k) => k % 2 === 1, { message: "kernelSize must be odd" }),
  /** Dropout2d rate before the classifier. */
  dropout: rate,
  /** Weight of its loss in the total (0.4 in the paper). */
  lossWeight: z.number().min(0),
});

/** Schema of the whole segmentation model config. */
const SegModelConfigSchema = z.strictObject({
  /** The backbone (a classification model config). */
  backbone: ModelConfigSchema,
  /** Which stages (0..3) the backbone outputs, each through its own LayerNorm `norm{i}`. */
  outIndices: z.array(z.int().min(0).max(3)).min(2).max(4),
  /** Number of classes (150 for ADE20K). */
  numClasses: positiveInt,
  /** Label value that takes no part in the loss (255). */
  ignoreIndex: z.int().min(0),
  /** The decode head. */
  head: UperHeadConfigSchema,
  /** The auxiliary head, or null for none. */
  aux: FcnHeadConfigSchema.nullable(),
});

/** The UPerHead section of {@link SegModelConfig}. */
export interface UperHeadConfig {
  /** Channels of every head module before the classifier (mmseg `channels`; 512 in the paper). */
  channels: number;
  /** Pyramid pooling output sizes on the last feature map (1, 2, 3, 6). */
  poolScales: number[];
  /** Dropout2d rate before the 1×1 classifier (0.1). */
  dropout: number;
}

/** The auxiliary FCNHead section of {@link SegModelConfig}. */
export interface FcnHeadConfig {
  /** Channels of its convs (256 in the paper). */
  channels: number;
  /** Which backbone output it reads (index into the outputs; 2 = stage 3 at stride 16). */
  inIndex: number;
  /** Number of conv + BN + ReLU modules (1 in the paper). */
  numConvs: number;
  /** Their kernel size (odd; 3 in the paper). */
  kernelSize: number;
  /** Dropout2d rate before the classifier (0.1). */
  dropout: number;
  /** Weight of its loss in the total (0.4 in the paper). */
  lossWeight: number;
}

/** A validated segmentation model config. */
export interface SegModelConfig {
  /** The backbone: a classification model config (its numClasses/headInitScale are unused). */
  backbone: ModelConfig;
  /** Which stages (0..3) the backbone outputs, each through its own LayerNorm `norm{i}`. */
  outIndices: number[];
  /** Number of classes (150 for ADE20K). */
  numClasses: number;
  /** Label value that takes no part in the loss (255). */
  ignoreIndex: number;
  /** The decode head (UPerHead). */
  head: UperHeadConfig;
  /** The auxiliary head (FCNHead), or null for none. */
  aux: FcnHeadConfig | null;
}

assertSame<Same<UperHeadConfig, z.output<typeof UperHeadConfigSchema>>>();
assertSame<Same<FcnHeadConfig, z.output<typeof FcnHeadConfigSchema>>>();
assertSame<Same<SegModelConfig, z.output<typeof SegModelConfigSchema>>>();

/** The paper's heads (official `upernet_SLaK.py`) for `numClasses` classes, all four stages. */
export function paperSegHeads(numClasses: number): Omit<SegModelConfig, "backbone"> {
  return {
    outIndices: [0, 1, 2, 3],
    numClasses,
    ignoreIndex: 255,
    head: { channels: 512, poolScales: [1, 2, 3, 6], dropout: 0.1 },
    aux: { channels: 256, inIndex: 2, numConvs: 1, kernelSize: 3, dropout: 0.1, lossWeight: 0.4 },
  };
}

/**
 * Validates a segmentation model config; a ConfigError names `where` and the field. Beyond the
 * schema: `outIndices` strictly increasing, and the auxiliary `inIndex` inside the outputs.
 */
export function validateSegConfig(value: unknown, where: string): SegModelConfig {
  const c: SegModelConfig = validate(SegModelConfigSchema, value, where);
  for (let i = 1; i < c.outIndices.length; i++) {
    if (c.outIndices[i]! <= c.outIndices[i - 1]!) {
      throw new ConfigError(
        `${where}: outIndices must be strictly increasing stage numbers 0..3, got ` +
          `[${c.outIndices}]`,
      );
    }
  }
  if (c.aux && c.aux.inIndex >= c.outIndices.length) {
    throw new ConfigError(
      `${where}: aux.inIndex ${c.aux.inIndex} is not an output; allowed values: 0..${
        c.outIndices.length - 1
      } (outIndices [${c.outIndices}])`,
    );
  }
  return c;
}
