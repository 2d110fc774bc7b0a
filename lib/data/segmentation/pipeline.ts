/**
 * The train and test pipelines of mmseg's ADE20K config (`configs/_base_/datasets/ade20k.py`,
 * which the official SLaK UperNet configs inherit):
 *
 * - train: `Resize(img_scale=(2048, 512), ratio_range=(0.5, 2.0))` → `RandomCrop(512×512,
 *   cat_max_ratio=0.75)` → `RandomFlip(0.5)` → `PhotoMetricDistortion()` → `Normalize` (ImageNet
 *   mean/std in 0–255) → `Pad(512×512, pad_val=0, seg_pad_val=255)`;
 * - test: `Resize((2048, 512), keep_ratio=True)` → `Normalize`, then sliding-window inference
 *   (sliding_window.ts) with crop 512 and stride 341, logits resized back to the original size.
 *
 * {@link scaledPipeline} shrinks every size by one factor for small proxies.
 *
 * @module
 */
import type { Rng } from "../../util/rng.ts";
import {
  IMAGENET_PIXEL_NORM,
  normalizeImage,
  padSample,
  PHOTOMETRIC_DEFAULTS,
  photoMetricDistortion,
  type PhotoMetricOptions,
  type PixelNorm,
  randomCrop,
  randomFlip,
  randomRescale,
} from "./transforms.ts";
import { rescaleSize, resizeBilinearU8 } from "./resize.ts";
import type { SegImage, SegPair, SegSample } from "./types.ts";

/** Settings of the train and test pipelines. */
export interface SegPipelineConfig {
  /** `img_scale` as (long, short) bounds. */
  scale: [number, number];
  /** Train-time ratio range applied to `scale`. */
  ratioRange: [number, number];
  /** Crop (and pad) size: [height, width]. */
  crop: [number, number];
  /** Largest share of one class in a crop (1 disables the re-draws). */
  catMaxRatio: number;
  /** Horizontal flip probability. */
  flipProb: number;
  /** Photometric distortion settings, or null to skip it. */
  photometric: PhotoMetricOptions | null;
  /** Normalization (0–255 units). */
  norm: PixelNorm;
  /** Sliding-window stride at test time: [rows, columns]. */
  stride: [number, number];
}

/** The paper's ADE20K pipeline (mmseg `ade20k.py` plus the SLaK configs' `test_cfg`). */
export const ADE20K_PIPELINE: Readonly<SegPipelineConfig> = {
  scale: [2048, 512],
  ratioRange: [0.5, 2.0],
  crop: [512, 512],
  catMaxRatio: 0.75,
  flipProb: 0.5,
  photometric: PHOTOMETRIC_DEFAULTS,
  norm: IMAGENET_PIXEL_NORM,
  stride: [341, 341],
};

/**
 * A pipeline with scale, crop and stride multiplied by `factor` (rounded, at least 1): e.g. 0.25
 * gives scale (512, 128), crop 128, stride 85.
 * @example
 * ```ts
 * const p = scaledPipeline(0.25);
 * if (p.crop[0] !== 128 || p.stride[0] !== 85) throw new Error("bad scaled pipeline");
 * ```
 */
export function scaledPipeline(
  factor: number,
  base: Readonly<SegPipelineConfig> = ADE20K_PIPELINE,
): SegPipelineConfig {
  const s = (v: number) => Math.max(1, Math.round(v * factor));
  return {
    ...base,
    scale: [s(base.scale[0]), s(base.scale[1])],
    crop: [s(base.crop[0]), s(base.crop[1])],
    stride: [s(base.stride[0]), s(base.stride[1])],
  };
}

/**
 * The train pipeline on one decoded pair, drawing from `rng` in mmseg's order (resize ratio, crop
 * boxes, flip, photometric draws). Returns a sample of exactly `crop` size.
 */
export function segTrainPipeline(pair: SegPair, cfg: SegPipelineConfig, rng: Rng): SegSample {
  let p = randomRescale(pair, cfg.scale, cfg.ratioRange, rng);
  p = randomCrop(p, { height: cfg.crop[0], width: cfg.crop[1], catMaxRatio: cfg.catMaxRatio }, rng);
  p = randomFlip(p, cfg.flipProb, rng);
  const img = cfg.photometric === null
    ? p.image
    : photoMetricDistortion(p.image, rng, cfg.photometric);
  const padded = padSample(
    normalizeImage(img, cfg.norm),
    p.label,
    img.channels,
    cfg.crop[0],
    cfg.crop[1],
  );
  return {
    height: padded.label.height,
    width: padded.label.width,
    image: padded.image,
    label: padded.label.data,
  };
}

/** A normalized test image at the resized size (the input of sliding-window inference). */
export interface SegTestInput {
  /** Resized height. */
  height: number;
  /** Resized width. */
  width: number;
  /** `height * width * channels` normalized values, HWC. */
  image: Float32Array;
}

/** The test pipeline: keep-ratio resize to `scale`, then normalization. */
export function segTestPipeline(image: SegImage, cfg: SegPipelineConfig): SegTestInput {
  const { width, height } = rescaleSize(image.width, image.height, cfg.scale);
  return { height, width, image: normalizeImage(resizeBilinearU8(image, width, height), cfg.norm) };
}
