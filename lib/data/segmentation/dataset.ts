/**
 * The segmentation data set the trainer and evaluator will consume, whatever the source (an
 * ADE20K-format folder or generated canvases): decoded pairs by index, a train sample through the
 * train pipeline (fixed crop size, so samples stack into NHWC / NHW batches), and a test input
 * through the test pipeline together with the original label map, plus
 * {@link evaluateSegmentation}, the whole mmseg test loop (test pipeline → sliding window →
 * logits resized back to the original size → argmax → metrics summed over the set).
 *
 * @module
 */
import type { Rng } from "../../util/rng.ts";
import type { Split } from "../types.ts";
import { type Ade20kFolder } from "./ade20k.ts";
import { SegEvaluator, type SegMetrics } from "./metrics.ts";
import {
  type SegPipelineConfig,
  type SegTestInput,
  segTestPipeline,
  segTrainPipeline,
} from "./pipeline.ts";
import { resizeLogitsBilinear } from "./resize.ts";
import { argmaxLogits, slideInference, type Window, windowOf } from "./sliding_window.ts";
import { IMAGENET_PIXEL_NORM, normalizeImage, type PixelNorm, randomFlip } from "./transforms.ts";
import { IGNORE_INDEX, type LabelMap, type SegPair, type SegSample } from "./types.ts";

/** A segmentation data set with its pipelines. */
export interface SegDataset {
  /** Short name. */
  readonly name: string;
  /** Number of classes (labels 0..numClasses−1, plus {@link IGNORE_INDEX}). */
  readonly numClasses: number;
  /** Class names (index = label). */
  readonly classNames: readonly string[];
  /** Image channels (3). */
  readonly inChannels: number;
  /** Ignored label value (255). */
  readonly ignoreIndex: number;
  /** Train sample size [height, width] (every train sample has it). */
  readonly cropSize: readonly [number, number];
  /** Sliding-window stride [rows, columns] at test time. */
  readonly stride: readonly [number, number];
  /** Number of pairs in `split`. */
  size(split: Split): number;
  /** Decoded pair `index` of `split`, before any pipeline. */
  pair(split: Split, index: number): SegPair;
  /** Train sample `index` of the train split through the train pipeline, drawing from `rng`. */
  trainSample(index: number, rng: Rng): SegSample;
  /** Test input of pair `index` of `split` and its original label map (for the metrics). */
  testInput(split: Split, index: number): { input: SegTestInput; label: LabelMap };
}

/** What a source provides to {@link makeSegDataset}. */
export interface SegSource {
  /** Short name. */
  name: string;
  /** Class names (index = label). */
  classNames: readonly string[];
  /** Number of pairs per split. */
  size(split: Split): number;
  /** Decoded pair. */
  pair(split: Split, index: number): SegPair;
}

/**
 * Wraps a source with pipelines. With a {@link SegPipelineConfig}, mmseg's pipelines; with
 * `{ plain: norm }`, no resizing or cropping (all images must share one size): train samples are
 * the normalized image flipped with probability ½, test inputs the normalized image, and the
 * sliding window is one window covering it.
 */
export function makeSegDataset(
  source: SegSource,
  pipeline: SegPipelineConfig | { plain: PixelNorm },
): SegDataset {
  const base = {
    name: source.name,
    numClasses: source.classNames.length,
    classNames: source.classNames,
    inChannels: 3,
    ignoreIndex: IGNORE_INDEX,
    size: (split: Split) => source.size(split),
    pair: (split: Split, index: number) => source.pair(split, index),
  };
  if ("plain" in pipeline) {
    const first = source.pair("train", 0).image;
    const norm = pipeline.plain;
    const fixed = (p: SegPair, where: string): SegPair => {
      if (p.image.width !== first.width || p.image.height !== first.height) {
        throw new Error(`${source.name} ${where}: plain pipeline needs one image size`);
      }
      return p;
    };
    return {
      ...base,
      cropSize: [first.height, first.width],
      stride: [first.height, first.width],
      trainSample: (index, rng) => {
        const p = randomFlip(fixed(source.pair("train", index), `train ${index}`), 0.5, rng);
        return {
          height: p.image.height,
          width: p.image.width,
          image: normalizeImage(p.image, norm),
          label: p.label.data,
        };
      },
      testInput: (split, index) => {
        const p = fixed(source.pair(split, index), `${split} ${index}`);
        return {
          input: {
            height: p.image.height,
            width: p.image.width,
            image: normalizeImage(p.image, norm),
          },
          label: p.label,
        };
      },
    };
  }
  return {
    ...base,
    cropSize: pipeline.crop,
    stride: pipeline.stride,
    trainSample: (index, rng) => segTrainPipeline(source.pair("train", index), pipeline, rng),
    testInput: (split, index) => {
      const p = source.pair(split, index);
      return { input: segTestPipeline(p.image, pipeline), label: p.label };
    },
  };
}

/** An ADE20K-format folder as a {@link SegDataset} with the given pipeline. */
export function ade20kSegDataset(
  folder: Ade20kFolder,
  pipeline: SegPipelineConfig,
  classNames?: readonly string[],
): SegDataset {
  const names = classNames ?? Array.from({ length: folder.numClasses }, (_, i) => `class${i}`);
  const last = folder.root.split("/").filter((s) => s.length > 0).pop() ?? folder.root;
  return makeSegDataset(
    { name: `ade20k:${last}`, classNames: names, size: folder.size, pair: folder.pair },
    pipeline,
  );
}

/** A batch of train samples: NHWC images and NHW labels. */
export interface SegBatch {
  /** `n * h * w * c` normalized values. */
  x: Float32Array;
  /** `n * h * w` labels. */
  y: Uint8Array;
  /** Samples. */
  n: number;
  /** Height. */
  h: number;
  /** Width. */
  w: number;
  /** Channels. */
  c: number;
}

/**
 * Stacks samples of one size into a batch.
 * @throws Error when the samples differ in size (a bug: train samples share the crop size)
 */
export function stackSegSamples(samples: readonly SegSample[], channels: number): SegBatch {
  const first = samples[0];
  if (first === undefined) throw new Error("stackSegSamples: no samples");
  const { height: h, width: w } = first;
  const x = new Float32Array(samples.length * h * w * channels);
  const y = new Uint8Array(samples.length * h * w);
  samples.forEach((s, i) => {
    if (s.height !== h || s.width !== w) {
      throw new Error(`stackSegSamples: sample ${i} is ${s.height}x${s.width}, not ${h}x${w}`);
    }
    x.set(s.image, i * h * w * channels);
    y.set(s.label, i * h * w);
  });
  return { x, y, n: samples.length, h, w, c: channels };
}

/** Options of {@link evaluateSegmentation}. */
export interface EvaluateSegOptions {
  /** Split to evaluate (default `"test"`). */
  split?: Split;
  /** Evaluate only the first `limit` pairs (default all). */
  limit?: number;
}

/**
 * mmseg's single-scale test over a split: each test input is cut into sliding windows, `logitsOf`
 * gives each window's HWC logits (`windowImage` is the window's normalized HWC pixels), overlaps
 * are averaged, the logits are resized bilinearly (align_corners=False) to the original size, the
 * argmax is compared with the original labels, and the counts are summed over the split.
 */
export async function evaluateSegmentation(
  ds: SegDataset,
  logitsOf: (
    windowImage: Float32Array,
    height: number,
    width: number,
  ) => Float32Array | Promise<Float32Array>,
  opts: EvaluateSegOptions = {},
): Promise<SegMetrics> {
  const split = opts.split ?? "test";
  const n = Math.min(ds.size(split), opts.limit ?? Infinity);
  const ev = new SegEvaluator(ds.numClasses, ds.ignoreIndex);
  const k = ds.numClasses;
  for (let i = 0; i < n; i++) {
    const { input, label } = ds.testInput(split, i);
    const logits = await slideInference(
      {
        height: input.height,
        width: input.width,
        numClasses: k,
        crop: [ds.cropSize[0], ds.cropSize[1]],
        stride: [ds.stride[0], ds.stride[1]],
      },
      (w: Window) =>
        logitsOf(windowOf(input.image, input.width, ds.inChannels, w), w.y2 - w.y1, w.x2 - w.x1),
    );
    const full = input.height === label.height && input.width === label.width
      ? logits
      : resizeLogitsBilinear(logits, input.height, input.width, k, label.height, label.width);
    ev.add(argmaxLogits(full, k), label.data);
  }
  return ev.metrics();
}

/** The ImageNet normalization, re-exported for plain pipelines. */
export const SEG_DEFAULT_NORM: Readonly<PixelNorm> = IMAGENET_PIXEL_NORM;
