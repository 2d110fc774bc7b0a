/**
 * The `data` section of a training config as TypeScript types, written out for readers and the
 * API documentation. The zod schemas in config.ts are the source of truth: config.ts checks at
 * compile time that these types are exactly the schemas' parsed types.
 *
 * @module
 */
import type { Augment, Normalize } from "./types.ts";

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
  /** Per-channel normalisation (default: ImageNet's mean and std). */
  normalize?: Normalize | undefined;
}

/** A parsed `data` config (defaults applied), one of the five data set kinds. */
export type DataConfig =
  | PathfinderConfig
  | ShapesConfig
  | FashionMnistConfig
  | CifarConfig
  | ImageFolderConfig;

/** `T` with every field optional, recursively into objects (arrays and null kept as they are). */
export type Defaulted<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K]
    : T[K] extends object | null ? Defaulted<NonNullable<T[K]>> | Extract<T[K], null>
    : T[K];
};

/**
 * A `data` config as users write it: the `kind` and any of its fields, nested ones included (the
 * rest take their defaults; values are validated when the config is resolved).
 */
export type DataConfigInput = DataConfig extends infer T
  ? T extends { kind: string } ? Pick<T, "kind"> & Defaulted<Omit<T, "kind">> : never
  : never;
