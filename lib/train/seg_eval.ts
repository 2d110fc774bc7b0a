/**
 * `segEvaluate`: mIoU, per-class IoU and pixel accuracy of a segmentation model on a data set's
 * test split, as mmseg's single-scale test: each image through the test pipeline, then either
 * sliding windows (mmseg `mode='slide'`: the data set's crop and stride, overlaps averaged) or the
 * whole image at once (`mode='whole'`), logits resized bilinearly to the original label size,
 * argmax, and intersection/union summed over the whole split before the ratios are taken.
 *
 * @module
 */
import { type SegDataset } from "../data/segmentation/dataset.ts";
import { evaluateSegmentation } from "../data/segmentation/dataset.ts";
import { SegEvaluator, type SegMetrics } from "../data/segmentation/metrics.ts";
import { resizeLogitsBilinear } from "../data/segmentation/resize.ts";
import { argmaxLogits } from "../data/segmentation/sliding_window.ts";
import { readSafetensors } from "../io/safetensors.ts";
import type { SegModelConfig } from "../models/segmentation/config.ts";
import { buildSegModel, disposeSegModel, type SegModel } from "../models/segmentation/seg_model.ts";
import { loadSegStateDict } from "../models/segmentation/state_dict.ts";
import { segLogits } from "../models/segmentation/segmentor.ts";
import type { Split } from "../data/types.ts";
import { tf } from "../tf.ts";

/** Options of {@link segEvaluate}. */
export interface SegEvaluateOptions {
  /** Sliding-window inference (mmseg `slide`); false = whole image (`whole`). */
  slidingWindow: boolean;
  /** Evaluate the first `limit` images only (0 or absent = all). */
  limit?: number;
  /** Split (default "test"). */
  split?: Split;
}

/** Metrics of {@link segEvaluate} (JSON-safe: classes in neither labels nor predictions are null). */
export interface SegEvalResult {
  /** Mean IoU over the classes present (0..1). */
  mIoU: number;
  /** Pixel accuracy (0..1). */
  aAcc: number;
  /** Mean per-class accuracy (0..1). */
  mAcc: number;
  /** IoU per class (null: class absent from labels and predictions). */
  iou: (number | null)[];
  /** Class names, same order. */
  classNames: string[];
  /** Images evaluated. */
  images: number;
}

async function logitsOfWindow(
  model: SegModel,
  image: Float32Array,
  h: number,
  w: number,
  c: number,
): Promise<Float32Array> {
  const out = tf.tidy(() => segLogits(model, tf.tensor4d(image, [1, h, w, c])));
  try {
    return await out.data() as Float32Array;
  } finally {
    out.dispose();
  }
}

function toResult(m: SegMetrics, ds: SegDataset, images: number): SegEvalResult {
  const nan = (v: number) => (Number.isNaN(v) ? null : v);
  return {
    mIoU: Number.isNaN(m.mIoU) ? 0 : m.mIoU,
    aAcc: Number.isNaN(m.aAcc) ? 0 : m.aAcc,
    mAcc: Number.isNaN(m.mAcc) ? 0 : m.mAcc,
    iou: [...m.iou].map(nan),
    classNames: [...ds.classNames],
    images,
  };
}

/**
 * Evaluates `model` (eval mode) on `dataset`'s test split (see the module doc).
 * @example
 * ```ts ignore
 * const r = await segEvaluate(model, ds, { slidingWindow: true });
 * console.log(`mIoU ${(100 * r.mIoU).toFixed(2)}`);
 * ```
 */
export async function segEvaluate(
  model: SegModel,
  dataset: SegDataset,
  opts: SegEvaluateOptions,
): Promise<SegEvalResult> {
  const split = opts.split ?? "test";
  const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
  const n = Math.min(dataset.size(split), limit);
  const c = dataset.inChannels;
  if (opts.slidingWindow) {
    const m = await evaluateSegmentation(
      dataset,
      (img, h, w) => logitsOfWindow(model, img, h, w, c),
      { split, limit: n },
    );
    return toResult(m, dataset, n);
  }
  const k = dataset.numClasses;
  const ev = new SegEvaluator(k, dataset.ignoreIndex);
  for (let i = 0; i < n; i++) {
    const { input, label } = dataset.testInput(split, i);
    const logits = await logitsOfWindow(model, input.image, input.height, input.width, c);
    const full = input.height === label.height && input.width === label.width
      ? logits
      : resizeLogitsBilinear(logits, input.height, input.width, k, label.height, label.width);
    ev.add(argmaxLogits(full, k), label.data);
  }
  return toResult(ev.metrics(), dataset, n);
}

/**
 * A segmentation model with the weights of a run's checkpoint (`checkpoints/best.safetensors` or
 * `last.safetensors`: the mmseg state_dict) for `config` (e.g. `segModelConfigOf` of the run's
 * config.json).
 * @throws DataError when the file is missing a key or a shape differs
 */
export async function loadSegCheckpoint(path: string, config: SegModelConfig): Promise<SegModel> {
  const state = readSafetensors(await Deno.readFile(path), path).tensors;
  const model = buildSegModel(config, { zeros: true });
  try {
    loadSegStateDict(model, state, path);
  } catch (e) {
    disposeSegModel(model);
    throw e;
  }
  return model;
}
