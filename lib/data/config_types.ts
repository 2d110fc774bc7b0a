/**
 * The `data` section of a training config as TypeScript types, written out for readers and the
 * API documentation. The zod schemas in config.ts are the source of truth: config.ts checks at
 * compile time that these types are exactly the schemas' parsed types.
 *
 * @module
 */
import type { Augment, Normalize } from "./types.ts";
import type { RandAugmentSpec } from "./transforms/rand_augment_spec.ts";

export type { RandAugmentSpec } from "./transforms/rand_augment_spec.ts";

/** torchvision's RandomResizedCrop settings. */
export interface RandomResizedCropConfig {
  /** Range of the crop area as a share of the image area. */
  scale: [number, number];
  /** Range of the crop aspect ratio (width / height). */
  ratio: [number, number];
  /** Resampling of the crop to the output side (Pillow-exact). */
  interpolation: "bicubic" | "bilinear";
}

/** timm's RandomErasing settings (after normalisation). */
export interface RandomErasingConfig {
  /** Probability of erasing. */
  prob: number;
  /** Fill: per-pixel standard-normal noise (timm's `pixel` mode). */
  mode: "pixel";
  /** Largest number of boxes per image. */
  maxCount: number;
}

/** The flip/crop augmentation of the `augment` field (the default). */
export interface BasicTrainTransform {
  /** Discriminator. */
  kind: "basic";
}

/**
 * The paper's training transform (official main.py defaults through timm's `create_transform`):
 * RandomResizedCrop → horizontal flip → RandAugment (or colour jitter when RandAugment is off) →
 * normalise → RandomErasing. The `augment` field is not used with it.
 */
export interface PaperTrainTransform {
  /** Discriminator. */
  kind: "paper";
  /** RandomResizedCrop to `size`. */
  randomResizedCrop: RandomResizedCropConfig;
  /** Probability of a horizontal flip. */
  hflip: number;
  /** RandAugment (given as a timm string such as "rand-m9-mstd0.5-inc1"), or null for none. */
  randAugment: RandAugmentSpec | null;
  /** Colour jitter strength, used only when `randAugment` is null (as timm's factory); null off. */
  colorJitter: number | null;
  /** RandomErasing, or null for none. */
  randomErasing: RandomErasingConfig | null;
}

/** A training transform: the basic `augment` flip/crop, or the paper's recipe. */
export type TrainTransformConfig = BasicTrainTransform | PaperTrainTransform;

/** Generated Pathfinder (Long Range Arena) images: is there a path between the two dots? */
export interface PathfinderConfig {
  /** The data set. */
  kind: "pathfinder";
  /** Image side in pixels. */
  size: 32 | 64 | 128;
  /** Contour length and distractors, as LRA's three levels. */
  difficulty: "easy" | "intermediate" | "hard";
  /** Training images. */
  trainSize: number;
  /** Test images. */
  testSize: number;
  /** Generator seed (independent of the run seed). */
  seed: number;
  /** Folder for the generated images (null: a per-user cache folder). */
  cacheDir: string | null;
  /** Training augmentation. */
  augment: Augment;
  /** Per-channel normalisation (default: mean 0.5, std 0.5). */
  normalize?: Normalize | undefined;
}

/** Generated shapes (disc, ring, square, ...; lib/data/shapes.ts): which shape is drawn? */
export interface ShapesConfig {
  /** The data set. */
  kind: "shapes";
  /** Image side in pixels. */
  size: number;
  /** Training images. */
  trainSize: number;
  /** Test images. */
  testSize: number;
  /** Generator seed (independent of the run seed). */
  seed: number;
  /** Standard deviation of the Gaussian pixel noise (full scale = 1). */
  noise: number;
  /**
   * How far a shape may move off the image centre, as a share of the room it leaves on each side
   * (0: always centred; 1: anywhere it fits). Larger is harder (slower to learn).
   */
  shift: number;
  /** Training augmentation. */
  augment: Augment;
  /** Per-channel normalisation (default: mean 0.5, std 0.5). */
  normalize?: Normalize | undefined;
}

/** The cluttered-canvas variant: each image placed on a larger canvas with distractor patches. */
export interface CanvasConfig {
  /** Canvas side in pixels. */
  size: number;
  /** Distractor patches per image. */
  distractors: number;
  /** Side of each distractor patch. */
  distractorSize: number;
}

/** Fashion-MNIST from IDX files (Debian's dataset-fashion-mnist by default). */
export interface FashionMnistConfig {
  /** The data set. */
  kind: "fashion_mnist";
  /** Folder holding the four IDX files (optionally gzipped). */
  path: string;
  /** Use only the first N training images. */
  trainSize?: number | undefined;
  /** Use only the first N test images. */
  testSize?: number | undefined;
  /** Seed of the canvas placement. */
  seed: number;
  /** Cluttered canvas (null: the plain 28×28 images). */
  canvas: CanvasConfig | null;
  /** Training augmentation. */
  augment: Augment;
  /** Per-channel normalisation (default: Fashion-MNIST's mean and std). */
  normalize?: Normalize | undefined;
}

/** CIFAR-10/100 from the binary batches. */
export interface CifarConfig {
  /** The data set. */
  kind: "cifar";
  /** Folder holding the binary batches (or the archive's extracted folder). */
  path: string;
  /** 10 or 100 classes. */
  variant: 10 | 100;
  /** Use only the first N training images. */
  trainSize?: number | undefined;
  /** Use only the first N test images. */
  testSize?: number | undefined;
  /** Training augmentation (default: pad-4 crop and flip). */
  augment: Augment;
  /** Per-channel normalisation (default: the variant's mean and std). */
  normalize?: Normalize | undefined;
}

/** An ImageFolder tree (`train/<class>/*`, `val/<class>/*`), e.g. ImageNet. */
export interface ImageFolderConfig {
  /** The data set. */
  kind: "imagefolder";
  /** Root folder. */
  path: string;
  /** Side images are resized to. */
  size: number;
  /** Keep decoded, resized images in memory after their first use. */
  cache: boolean;
  /** Training augmentation. */
  augment: Augment;
  /** Training transform (absent: `augment`; `{kind: paper}`: the paper's recipe). */
  trainTransform?: TrainTransformConfig | undefined;
  /** Per-channel normalisation (default: ImageNet's mean and std). */
  normalize?: Normalize | undefined;
}

/**
 * Images and labels from NumPy `.npy` arrays (lib/data/npy_dataset.ts). Images are uint8 (then
 * normalized with `normalize` and augmentable, like every other kind) or float32 (used as they
 * are: already preprocessed), `[N, H, W, C]` (`layout: nhwc`) or `[N, C, H, W]` (`nchw`), or
 * `[N, H, W]` for one channel; labels are integers `[N]`. Relative paths are relative to the
 * working directory.
 */
export interface NpyConfig {
  /** Discriminator. */
  kind: "npy";
  /** Training images `.npy`. */
  images: string;
  /** Training labels `.npy` (integers in `[0, numClasses)`). */
  labels: string;
  /** Test images `.npy` (with `testLabels`); null = hold out the last `holdout` samples. */
  testImages: string | null;
  /** Test labels `.npy` (with `testImages`). */
  testLabels: string | null;
  /** Without test arrays: the last `holdout` samples of `images` form the test split. */
  holdout: number;
  /** Axis order of the image arrays. */
  layout: "nhwc" | "nchw";
  /** Number of classes (default: largest label + 1 over both splits). */
  numClasses?: number | undefined;
  /** Shuffle the training samples every epoch; false = file order (fixed batches). */
  shuffle: boolean;
  /** Train-time augmentation (uint8 images only). */
  augment: Augment;
  /** Normalization of uint8 images (default 0.5 / 0.5 per channel; not for float32). */
  normalize?: Normalize | undefined;
}

/**
 * Generated segmentation canvases (lib/data/segmentation/generated.ts): 1–3 shapes (disc, square,
 * triangle) filled with one shared texture or drawn as outlines on noise; labels = shape class per
 * pixel (background 0). RGB; used whole (no crop). Segmentation only (`task.kind: segmentation`).
 */
export interface SegShapesConfig {
  /** Discriminator. */
  kind: "seg_shapes";
  /** Canvas side in pixels (64..256). */
  size: number;
  /** Shapes filled with a shared texture, or outlines only. */
  style: "filled" | "outline";
  /**
   * `shapes`: background + disc/square/triangle (4 classes); `foreground`: background + shape
   * (2 classes, every shape label merged: the easier task of the smoke config).
   */
  labels: "shapes" | "foreground";
  /** Number of training canvases. */
  trainSize: number;
  /** Number of test canvases. */
  testSize: number;
  /** Root seed of the canvases. */
  seed: number;
  /** Per-channel normalization in 0..1 units (absent: ImageNet statistics). */
  normalize?: Normalize | undefined;
}

/**
 * An ADE20K-format folder (`images/{training,validation}`, `annotations/...`) with mmseg's
 * pipelines (train: random rescale of `scale`·(2048, 512) by 0.5–2, crop, flip, photometric
 * distortion, pad; test: keep-ratio resize, sliding window). Segmentation only.
 */
export interface Ade20kConfig {
  /** Discriminator. */
  kind: "ade20k";
  /** The ADE20K root folder. */
  path: string;
  /** Factor on the paper's scale, crop and stride (1 = 2048×512, crop 512, stride 341). */
  scale: number;
  /** Map label 0 to ignore and v to v − 1 (ADE20K's reduce-zero-label). */
  reduceZeroLabel: boolean;
  /** Classes after reduction (150 for ADE20K). */
  numClasses: number;
  /** Per-channel normalization in 0..1 units (absent: ImageNet statistics, as mmseg). */
  normalize?: Normalize | undefined;
}

/** A parsed `data` config (defaults applied), one of the data set kinds. */
export type DataConfig =
  | PathfinderConfig
  | ShapesConfig
  | FashionMnistConfig
  | CifarConfig
  | ImageFolderConfig
  | NpyConfig
  | SegShapesConfig
  | Ade20kConfig;

/** The data kinds that hold segmentation label maps (`task.kind: segmentation`). */
export type SegDataConfig = SegShapesConfig | Ade20kConfig;

/**
 * A training transform as users write it: the `kind`, any of the paper recipe's fields, and
 * RandAugment as a timm string (`"rand-m9-mstd0.5-inc1"`) or its typed form.
 */
export type TrainTransformInput =
  | BasicTrainTransform
  | (
    & { kind: "paper"; randAugment?: string | RandAugmentSpec | null }
    & Defaulted<Omit<PaperTrainTransform, "kind" | "randAugment">>
  );

/**
 * `T` with every field optional, recursively into objects (arrays and null kept as they are; an
 * optional training transform takes {@link TrainTransformInput}).
 */
export type Defaulted<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K]
    : T[K] extends object | null ? Defaulted<NonNullable<T[K]>> | Extract<T[K], null>
    : [Extract<T[K], TrainTransformConfig>] extends [never] ? T[K]
    : TrainTransformInput | Exclude<T[K], TrainTransformConfig>;
};

/**
 * A `data` config as users write it: the `kind` and any of its fields, nested ones included (the
 * rest take their defaults; values are validated when the config is resolved).
 */
export type DataConfigInput = DataConfig extends infer T
  ? T extends { kind: string } ? Pick<T, "kind"> & Defaulted<Omit<T, "kind">> : never
  : never;
