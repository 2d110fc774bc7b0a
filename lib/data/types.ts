/**
 * The data layer's shared types: what a data set offers (`Dataset`), what one sample is, and what
 * the batch loader hands to the trainer.
 *
 * @module
 */
import type { Rng, RngState } from "../util/rng.ts";

/** A data split. For ImageFolder, `"test"` reads the `val/` folder. */
export type Split = "train" | "test";

/** The splits, in order. */
export const SPLITS: readonly Split[] = ["train", "test"];

/** One preprocessed sample: an HWC image normalized with the data set's mean and std. */
export interface Sample {
  /** `height * width * inChannels` values, HWC order, normalized. */
  image: Float32Array;
  /** Class index in `[0, numClasses)`. */
  label: number;
}

/** One raw sample: HWC bytes before augmentation and normalization. */
export interface RawSample {
  /** `height * width * inChannels` bytes, HWC order. */
  pixels: Uint8Array;
  /** Class index in `[0, numClasses)`. */
  label: number;
}

/** Per-channel normalization: `(pixel / 255 - mean[c]) / std[c]`. */
export interface Normalize {
  /** One value per channel. */
  mean: number[];
  /** One positive value per channel. */
  std: number[];
}

/** Train-time augmentation: random crop from a zero-padded image, then horizontal flip. */
export interface Augment {
  /** Random crop of the original size from the image padded by `pad` zero pixels, or none. */
  crop: { pad: number } | null;
  /** Flip horizontally with probability 1/2. */
  flip: boolean;
}

/**
 * A data set with fixed-size images. All access is synchronous and random-access by index; the
 * same (split, index, rng state) always gives the same sample.
 */
export interface Dataset {
  /** Short name, e.g. `"pathfinder32-hard"`, `"cifar10"`. */
  readonly name: string;
  /** Number of classes. */
  readonly numClasses: number;
  /** Class names (index = label). */
  readonly classNames: readonly string[];
  /** Channels of every image (1 gray, 3 RGB). */
  readonly inChannels: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Normalization applied by `load`. */
  readonly normalize: Normalize;
  /** Augmentation applied by `load` when it is given an `rng`. */
  readonly augment: Augment;
  /** Number of samples in `split`. */
  size(split: Split): number;
  /** The raw bytes and label of sample `index` of `split`. */
  raw(split: Split, index: number): RawSample;
  /**
   * Sample `index` of `split`, normalized; augmented with draws from `rng` when one is given
   * (the loader passes one for training only).
   */
  load(split: Split, index: number, rng?: Rng): Sample;
  /** As `load`, writing the image into `out` at `offset` and returning the label. */
  loadInto(split: Split, index: number, out: Float32Array, offset: number, rng?: Rng): number;
  /**
   * Optional: prepares samples `indices` of `split` ahead (in worker threads) so that the
   * `loadInto` calls that follow, with generators in the states `rngStates[i]` (null: no rng),
   * are fast. Results are the same with or without it.
   */
  prefetch?(split: Split, indices: Int32Array, rngStates: (RngState | null)[]): Promise<void>;
  /** Optional: stops background work (worker threads). */
  close?(): void;
}

/** A batch in NHWC layout. */
export interface Batch {
  /** `n * h * w * c` normalized pixel values. */
  x: Float32Array;
  /** `n` labels. */
  y: Int32Array;
  /** Number of samples (the last batch of an epoch may be smaller unless `dropLast`). */
  n: number;
  /** Height. */
  h: number;
  /** Width. */
  w: number;
  /** Channels. */
  c: number;
  /** Epoch this batch belongs to (0-based). */
  epoch: number;
  /** Index of this batch within its epoch (0-based). */
  batchIndex: number;
  /** True when this is the epoch's last batch. */
  lastInEpoch: boolean;
  /** Data-set indices of the samples, in batch order. */
  indices: Int32Array;
}

/**
 * Exact position of a loader, to save in a checkpoint and restore: the next batch to hand out is
 * the one at `cursor` (a sample position in the epoch's order) of epoch `epoch`, whose order and
 * augmentation follow from `rngState` (the "data" stream's state at the start of that epoch).
 */
export interface LoaderState {
  /** Current epoch (0-based). */
  epoch: number;
  /** Samples of this epoch already handed out. */
  cursor: number;
  /** Generator state at the start of `epoch`. */
  rngState: RngState;
}
