/**
 * `slak eval` on a segmentation data set (`seg_shapes`, `ade20k`): mIoU, per-class IoU, pixel and
 * mean accuracy of a segmentation run's checkpoint, as mmseg evaluates (whole-set sums; sliding
 * window when the run's task says so).
 * @module
 */

import type { SegDataConfig } from "../lib/data/config_types.ts";
import { disposeSegModel } from "../lib/models/segmentation/seg_model.ts";
import { segTaskOf } from "../lib/train/config.ts";
import { loadTrainConfig } from "../lib/train/resolve.ts";
import { segModelConfigOf } from "../lib/train/seg_config.ts";
import { openSegDataset } from "../lib/train/seg_data.ts";
import { loadSegCheckpoint, segEvaluate } from "../lib/train/seg_eval.ts";
import { ConfigError, UserError } from "../lib/util/errors.ts";
import { type CommonFlags, info, out, textTable } from "./_common.ts";
import { pct } from "./_progress.ts";

/** What the segmentation evaluation needs from the command line. */
export interface SegEvalFlags extends CommonFlags {
  weights: string;
  trainConfig?: string;
  json?: boolean;
}

/**
 * Evaluates a segmentation checkpoint on `data` and prints the result (JSON with `--json`).
 * @throws UserError without `--train-config`; ConfigError when that config is not a segmentation one
 */
export async function evalSegmentation(data: SegDataConfig, flags: SegEvalFlags): Promise<void> {
  if (flags.trainConfig === undefined) {
    throw new UserError(
      `--data kind "${data.kind}" is a segmentation data set: give --train-config with the run's ` +
        `config.json (its task section builds the heads)`,
    );
  }
  const config = await loadTrainConfig(flags.trainConfig);
  const task = segTaskOf(config);
  if (task === null) {
    throw new ConfigError(
      `${flags.trainConfig}: not a segmentation config (task.kind: segmentation expected)`,
    );
  }
  const ds = await openSegDataset(data);
  const model = await loadSegCheckpoint(
    flags.weights,
    segModelConfigOf(config, flags.trainConfig),
  );
  try {
    info(flags, `evaluating ${ds.size("test")} images (${task.slidingWindow ? "slide" : "whole"})`);
    const t0 = performance.now();
    const r = await segEvaluate(model, ds, { slidingWindow: task.slidingWindow });
    const seconds = (performance.now() - t0) / 1000;
    const result = { weights: flags.weights, data: data.kind, ...r, seconds };
    if (flags.json) {
      out(JSON.stringify(result, null, 2));
      return;
    }
    out(textTable([
      ["data", "images", "mIoU", "aAcc", "mAcc", "img/s"],
      [
        data.kind,
        String(r.images),
        pct(r.mIoU),
        pct(r.aAcc),
        pct(r.mAcc),
        (r.images / seconds).toFixed(1),
      ],
    ]));
    out(textTable([
      ["class", "IoU"],
      ...r.classNames.map((n, i) => [n, r.iou[i] === null ? "-" : pct(r.iou[i]!)]),
    ]));
  } finally {
    disposeSegModel(model);
  }
}
