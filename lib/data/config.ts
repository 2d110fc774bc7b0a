/**
 * The `data` section of a training config: a strict zod schema with one variant per data set
 * kind (discriminated on `kind`), dataset-appropriate defaults, and `resolveDataConfig`, which
 * fills in the normalization defaults that depend on more than the kind (CIFAR-10 vs -100).
 *
 * @module
 */
import { z } from "zod";
import { assertSame, type Same } from "../util/same_type.ts";
import type {
  Ade20kConfig,
  CanvasConfig,
  CifarConfig,
  DataConfig,
  FashionMnistConfig,
  ImageFolderConfig,
  NpyConfig,
  PaperTrainTransform,
  PathfinderConfig,
  RandAugmentSpec,
  RandomErasingConfig,
  RandomResizedCropConfig,
  SegDataConfig,
  SegShapesConfig,
  ShapesConfig,
  TrainTransformConfig,
} from "./config_types.ts";
import { SEG_SHAPES_SIZE_RANGE } from "./segmentation/generated.ts";
import { PAPER_RAND_AUGMENT, parseRandAugment } from "./transforms/rand_augment_spec.ts";
import { checkNpyNormalize, npyDefaultNormalize, probeNpy } from "./npy_dataset.ts";
import { validate } from "../config/layering.ts";
import { ConfigError } from "../util/errors.ts";
import type { Augment, Normalize } from "./types.ts";

export type {
  Ade20kConfig,
  CanvasConfig,
  CifarConfig,
  DataConfig,
  DataConfigInput,
  FashionMnistConfig,
  ImageFolderConfig,
  NpyConfig,
  PaperTrainTransform,
  PathfinderConfig,
  RandAugmentSpec,
  RandomErasingConfig,
  RandomResizedCropConfig,
  SegDataConfig,
  SegShapesConfig,
  ShapesConfig,
  TrainTransformConfig,
} from "./config_types.ts";

/** Default folder of Debian's `dataset-fashion-mnist` package. */
export const FASHION_MNIST_PATH = "/usr/share/datasets/fashion-mnist";

/** Side in pixels of a Fashion-MNIST item (and of the whole image without a canvas). */
export const FASHION_MNIST_SIDE = 28;
/** Side in pixels of a CIFAR image. */
export const CIFAR_SIDE = 32;
/** Allowed range of a cluttered canvas's side `canvas.size`. */
export const CANVAS_SIZE_RANGE: readonly [number, number] = [28, 1024];
/** Allowed range of an ImageFolder's (resized, center-cropped) side `size`. */
export const IMAGEFOLDER_SIZE_RANGE: readonly [number, number] = [8, 1024];
/** The sides Pathfinder images can have (`size`). */
export const PATHFINDER_SIZES = [32, 64, 128] as const;
/** Allowed range of a generated shapes image's side `size`. */
export const SHAPES_SIZE_RANGE: readonly [number, number] = [32, 512];

const NormalizeSchema = z.strictObject({
  mean: z.array(z.number()).min(1),
  std: z.array(z.number().positive()).min(1),
});

function augmentSchema(def: Augment) {
  return z.strictObject({
    crop: z.strictObject({ pad: z.number().int().min(0).max(64) }).nullable().default(def.crop),
    flip: z.boolean().default(def.flip),
  }).default(def);
}

const count = z.number().int().positive();

/** Procedural Pathfinder (Long Range Arena recipe), generated from `seed`. */
export const PathfinderConfigSchema = z.strictObject({
  kind: z.literal("pathfinder"),
  size: z.literal(PATHFINDER_SIZES).default(32),
  difficulty: z.enum(["easy", "intermediate", "hard"]).default("easy"),
  trainSize: count.default(20000),
  testSize: count.default(2000),
  seed: z.number().int().min(0).default(0),
  /** Folder for a generated-image cache (one file per split), or null for none. */
  cacheDir: z.string().min(1).nullable().default(null),
  augment: augmentSchema({ crop: null, flip: false }),
  normalize: NormalizeSchema.optional(),
});

/** Generated shapes (lib/data/shapes.ts), made from `seed`: eight classes, one gray channel. */
export const ShapesConfigSchema = z.strictObject({
  kind: z.literal("shapes"),
  size: z.number().int().min(SHAPES_SIZE_RANGE[0]).max(SHAPES_SIZE_RANGE[1]).default(32),
  trainSize: count.default(2000),
  testSize: count.default(1000),
  seed: z.number().int().min(0).default(0),
  noise: z.number().min(0).max(1).default(0.1),
  /** Share of the room around a shape used to move it off the centre (0 centred, 1 anywhere). */
  shift: z.number().min(0).max(1).default(0.5),
  augment: augmentSchema({ crop: null, flip: false }),
  normalize: NormalizeSchema.optional(),
});

/** Cluttered large-canvas variant of an item data set. */
export const CanvasSchema = z.strictObject({
  size: z.number().int().min(CANVAS_SIZE_RANGE[0]).max(CANVAS_SIZE_RANGE[1]).default(64),
  distractors: z.number().int().min(0).max(256).default(4),
  distractorSize: z.number().int().min(1).max(28).default(8),
});

/** Fashion-MNIST from IDX files, optionally on a cluttered canvas. */
export const FashionMnistConfigSchema = z.strictObject({
  kind: z.literal("fashion_mnist"),
  path: z.string().min(1).default(FASHION_MNIST_PATH),
  trainSize: count.optional(),
  testSize: count.optional(),
  /** Seed of the canvas placement and distractors (unused without a canvas). */
  seed: z.number().int().min(0).default(0),
  canvas: CanvasSchema.nullable().default(null),
  augment: augmentSchema({ crop: null, flip: false }),
  normalize: NormalizeSchema.optional(),
});

/** CIFAR-10 or CIFAR-100, binary version. */
export const CifarConfigSchema = z.strictObject({
  kind: z.literal("cifar"),
  path: z.string().min(1),
  variant: z.union([z.literal(10), z.literal(100)]).default(10),
  trainSize: count.optional(),
  testSize: count.optional(),
  augment: augmentSchema({ crop: { pad: 4 }, flip: true }),
  normalize: NormalizeSchema.optional(),
});

const range = z.tuple([z.number().positive(), z.number().positive()]).refine(
  ([lo, hi]) => lo <= hi,
  { message: "needs [low, high] with low <= high" },
);

/** torchvision's RandomResizedCrop (defaults: the paper's). */
export const RandomResizedCropSchema = z.strictObject({
  scale: range.refine(([, hi]) => hi <= 1, { message: "area shares are at most 1" }).default([
    0.08,
    1,
  ]),
  ratio: range.default([3 / 4, 4 / 3]),
  interpolation: z.enum(["bicubic", "bilinear"]).default("bicubic"),
});

/** A typed RandAugment setting (what a timm string parses to). */
export const RandAugmentSpecSchema = z.strictObject({
  magnitude: z.number().min(0).max(30),
  magnitudeStd: z.number().min(0).max(100),
  magnitudeMax: z.number().min(0).max(30),
  numLayers: z.number().int().min(0).max(16),
  increasing: z.boolean(),
  prob: z.number().min(0).max(1),
});

/** RandAugment as a timm string ("rand-m9-mstd0.5-inc1", parsed here) or its typed form. */
const RandAugmentFieldSchema = z.preprocess((v, ctx) => {
  if (typeof v !== "string") return v;
  try {
    return parseRandAugment(v, "");
  } catch (e) {
    ctx.issues.push({ code: "custom", message: (e as Error).message, input: v });
    return v;
  }
}, RandAugmentSpecSchema);

/** timm's RandomErasing (defaults: the paper's 0.25, pixel mode, one box). */
export const RandomErasingSchema = z.strictObject({
  prob: z.number().min(0).max(1).default(0.25),
  mode: z.literal("pixel").default("pixel"),
  maxCount: z.number().int().min(1).max(16).default(1),
});

/** The paper's training transform; every field defaults to the official main.py value. */
export const PaperTrainTransformSchema = z.strictObject({
  kind: z.literal("paper"),
  randomResizedCrop: RandomResizedCropSchema.default(RandomResizedCropSchema.parse({})),
  hflip: z.number().min(0).max(1).default(0.5),
  randAugment: RandAugmentFieldSchema.nullable().default(parseRandAugment(PAPER_RAND_AUGMENT)),
  colorJitter: z.number().min(0).max(1).nullable().default(0.4),
  randomErasing: RandomErasingSchema.nullable().default(RandomErasingSchema.parse({})),
});

/** The training transform of an ImageFolder: `basic` (the `augment` field) or `paper`. */
export const TrainTransformSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("basic") }),
  PaperTrainTransformSchema,
]);

assertSame<Same<RandomResizedCropConfig, z.output<typeof RandomResizedCropSchema>>>();
assertSame<Same<RandAugmentSpec, z.output<typeof RandAugmentSpecSchema>>>();
assertSame<Same<RandomErasingConfig, z.output<typeof RandomErasingSchema>>>();
assertSame<Same<PaperTrainTransform, z.output<typeof PaperTrainTransformSchema>>>();
assertSame<Same<TrainTransformConfig, z.output<typeof TrainTransformSchema>>>();

/** An ImageFolder tree: `train/<class>/*.{png,jpg,jpeg}` and `val/<class>/...`. */
export const ImageFolderConfigSchema = z.strictObject({
  kind: z.literal("imagefolder"),
  path: z.string().min(1),
  size: z.number().int().min(IMAGEFOLDER_SIZE_RANGE[0]).max(IMAGEFOLDER_SIZE_RANGE[1]).default(224),
  /** Keep decoded, resized images in memory after their first use. */
  cache: z.boolean().default(false),
  augment: augmentSchema({ crop: null, flip: true }),
  /** Training transform; absent = `augment` (kept out of the resolved config, so run ids stay). */
  trainTransform: TrainTransformSchema.optional(),
  normalize: NormalizeSchema.optional(),
});

/**
 * Images and labels from `.npy` arrays (lib/data/npy_dataset.ts): uint8 or float32 images, NHWC
 * or NCHW, integer labels; the test split from test arrays or the last `holdout` samples.
 */
export const NpyConfigSchema = z.strictObject({
  kind: z.literal("npy"),
  images: z.string().min(1),
  labels: z.string().min(1),
  testImages: z.string().min(1).nullable().default(null),
  testLabels: z.string().min(1).nullable().default(null),
  holdout: z.number().int().min(0).default(0),
  layout: z.enum(["nhwc", "nchw"]).default("nhwc"),
  numClasses: z.number().int().min(2).optional(),
  /** false: the training samples in file order every epoch (fixed batches). */
  shuffle: z.boolean().default(true),
  augment: augmentSchema({ crop: null, flip: false }),
  normalize: NormalizeSchema.optional(),
});

/** Generated segmentation canvases (see `SegShapesConfig`). */
export const SegShapesConfigSchema = z.strictObject({
  kind: z.literal("seg_shapes"),
  size: z.number().int().min(SEG_SHAPES_SIZE_RANGE[0]).max(SEG_SHAPES_SIZE_RANGE[1]).default(128),
  style: z.enum(["filled", "outline"]).default("filled"),
  labels: z.enum(["shapes", "foreground"]).default("shapes"),
  trainSize: count.default(512),
  testSize: count.default(64),
  seed: z.number().int().min(0).default(0),
  normalize: NormalizeSchema.optional(),
});

/** An ADE20K-format folder (see `Ade20kConfig`). */
export const Ade20kConfigSchema = z.strictObject({
  kind: z.literal("ade20k"),
  path: z.string().min(1),
  scale: z.number().gt(0).max(4).default(1),
  reduceZeroLabel: z.boolean().default(true),
  numClasses: z.number().int().min(1).max(255).default(150),
  normalize: NormalizeSchema.optional(),
});

/** The `data` section of a training config. */
export const DataConfigSchema = z.discriminatedUnion("kind", [
  PathfinderConfigSchema,
  ShapesConfigSchema,
  FashionMnistConfigSchema,
  CifarConfigSchema,
  ImageFolderConfigSchema,
  NpyConfigSchema,
  SegShapesConfigSchema,
  Ade20kConfigSchema,
]);

/** Whether a data config is a segmentation data set (label maps, not one class per image). */
export function isSegData(config: DataConfig): config is SegDataConfig {
  return config.kind === "seg_shapes" || config.kind === "ade20k";
}

assertSame<Same<PathfinderConfig, z.output<typeof PathfinderConfigSchema>>>();
assertSame<Same<ShapesConfig, z.output<typeof ShapesConfigSchema>>>();
assertSame<Same<FashionMnistConfig, z.output<typeof FashionMnistConfigSchema>>>();
assertSame<Same<CifarConfig, z.output<typeof CifarConfigSchema>>>();
assertSame<Same<ImageFolderConfig, z.output<typeof ImageFolderConfigSchema>>>();
assertSame<Same<NpyConfig, z.output<typeof NpyConfigSchema>>>();
assertSame<Same<CanvasConfig, z.output<typeof CanvasSchema>>>();
assertSame<Same<SegShapesConfig, z.output<typeof SegShapesConfigSchema>>>();
assertSame<Same<Ade20kConfig, z.output<typeof Ade20kConfigSchema>>>();
assertSame<Same<DataConfig, z.output<typeof DataConfigSchema>>>();

/** A data config whose normalization is filled in. */
export type ResolvedDataConfig = DataConfig & { normalize: Normalize };

/** The data set kinds. */
export const DATA_KINDS = [
  "pathfinder",
  "shapes",
  "fashion_mnist",
  "cifar",
  "imagefolder",
  "npy",
  "seg_shapes",
  "ade20k",
] as const;

/** Channels of the images of a config's data set (npy: read from the array). */
export function channelsOf(config: DataConfig): number {
  if (config.kind === "npy") return probeNpy(config).channels;
  return config.kind === "pathfinder" || config.kind === "shapes" || config.kind === "fashion_mnist"
    ? 1
    : 3;
}

/**
 * Default normalization of a data set: the usual published per-channel statistics (Fashion-MNIST,
 * CIFAR-10/100, ImageNet for ImageFolder), and 0.5/0.5 for Pathfinder and the generated shapes
 * (maps [0,1] to [-1,1]).
 */
export function defaultNormalize(config: DataConfig): Normalize {
  switch (config.kind) {
    case "pathfinder":
    case "shapes":
      return { mean: [0.5], std: [0.5] };
    case "fashion_mnist":
      return { mean: [0.286], std: [0.353] };
    case "cifar":
      return config.variant === 10
        ? { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] }
        : { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] };
    case "imagefolder":
    case "seg_shapes":
    case "ade20k":
      return { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    case "npy":
      return npyDefaultNormalize(probeNpy(config).channels);
  }
}

/** The side of the (square) images a data config yields and the setting that decides it. */
export interface ImageSide {
  /** Height = width in pixels. */
  side: number;
  /** The field (under `data.`) that decides it: `size`, `canvas`, `canvas.size` or `kind`. */
  field: string;
  /** What that field holds, for messages (`64`, `null (no canvas)`, `"cifar"`). */
  value: string;
  /** The field that changes it and its allowed values; null when the data set fixes it. */
  setting: { field: string; values: readonly number[] | { min: number; max: number } } | null;
}

/** The image side a data config yields (without opening the data set). */
export function imageSideOf(config: DataConfig): ImageSide {
  switch (config.kind) {
    case "pathfinder":
      return {
        side: config.size,
        field: "size",
        value: String(config.size),
        setting: { field: "size", values: PATHFINDER_SIZES },
      };
    case "shapes": {
      const [min, max] = SHAPES_SIZE_RANGE;
      const setting = { field: "size", values: { min, max } };
      return { side: config.size, field: "size", value: String(config.size), setting };
    }
    case "fashion_mnist": {
      const [min, max] = CANVAS_SIZE_RANGE;
      const setting = { field: "canvas.size", values: { min, max } };
      return config.canvas === null
        ? { side: FASHION_MNIST_SIDE, field: "canvas", value: "null (no canvas)", setting }
        : {
          side: config.canvas.size,
          field: "canvas.size",
          value: String(config.canvas.size),
          setting,
        };
    }
    case "cifar":
      return { side: CIFAR_SIDE, field: "kind", value: '"cifar"', setting: null };
    case "imagefolder": {
      const [min, max] = IMAGEFOLDER_SIZE_RANGE;
      const setting = { field: "size", values: { min, max } };
      return { side: config.size, field: "size", value: String(config.size), setting };
    }
    case "seg_shapes": {
      const [min, max] = SEG_SHAPES_SIZE_RANGE;
      const setting = { field: "size", values: { min, max } };
      return { side: config.size, field: "size", value: String(config.size), setting };
    }
    case "ade20k": {
      const side = Math.max(1, Math.round(512 * config.scale));
      return { side, field: "scale", value: String(config.scale), setting: null };
    }
    case "npy": {
      const p = probeNpy(config);
      const side = Math.min(p.height, p.width);
      return {
        side,
        field: "images",
        value: `${config.images} (${p.height}x${p.width})`,
        setting: null,
      };
    }
  }
}

/**
 * Parses a `data` section (throws `ConfigError` naming every bad field) and fills in its
 * normalization.
 * @param input the raw `data` value of a config file
 * @param where path of the section, prefixed to the fields in messages (default `"data"`)
 * @example
 * ```ts
 * const c = resolveDataConfig({ kind: "pathfinder", size: 64 });
 * if (c.normalize.mean.length !== 1) throw new Error("pathfinder is gray");
 * ```
 */
export function resolveDataConfig(input: unknown, where = "data"): ResolvedDataConfig {
  const config = validate(DataConfigSchema, input, "", [where]);
  if (config.kind === "npy") checkNpyNormalize(config);
  const normalize = config.normalize ?? defaultNormalize(config);
  const c = channelsOf(config);
  if (normalize.mean.length !== c || normalize.std.length !== c) {
    throw new ConfigError(
      `${where}.normalize: mean and std need ${c} value(s) each for kind "${config.kind}", ` +
        `got ${normalize.mean.length} and ${normalize.std.length}`,
    );
  }
  return { ...config, normalize };
}
