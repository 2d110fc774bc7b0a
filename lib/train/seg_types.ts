/**
 * Records and results of segmentation runs: the per-epoch line of metrics.jsonl
 * (`type: "seg_epoch"`, so readers of classification `epoch` lines pass it by) and result.json
 * (`task: "segmentation"`, mIoU/aAcc/mAcc as fractions, per-class IoU by class name).
 *
 * @module
 */
import type { MetricsBase } from "./run_types.ts";

/** One evaluation of a segmentation run, in metrics.jsonl. */
export interface SegEpochRecord extends MetricsBase {
  /** Discriminator. */
  type: "seg_epoch";
  /** Mean training loss (decode + weighted auxiliary) over the epoch's steps. */
  loss: number;
  /** Mean IoU on the test split (0..1). */
  miou: number;
  /** Pixel accuracy (0..1). */
  aAcc: number;
  /** Mean class accuracy (0..1). */
  mAcc: number;
  /** IoU per class name (null: class in neither labels nor predictions). */
  iou: Record<string, number | null>;
  /** Whether this evaluation is the best so far (by mIoU; written to best.safetensors). */
  best: boolean;
}

/** result.json of a segmentation run. */
export interface SegTrainResult {
  /** Discriminator (classification results have no `task`). */
  task: "segmentation";
  /** Mean IoU of the last evaluation (0..1). */
  miou: number;
  /** Pixel accuracy of the last evaluation (0..1). */
  aAcc: number;
  /** Mean class accuracy of the last evaluation (0..1). */
  mAcc: number;
  /** IoU per class name of the last evaluation. */
  iou: Record<string, number | null>;
  /** Best mIoU over the evaluations (the checkpoint in best.safetensors). */
  bestMiou: number;
  /** Final training loss (mean over the last epoch). */
  loss: number;
  /** Optimizer steps. */
  steps: number;
  /** Epochs (evaluation intervals). */
  epochs: number;
  /** Density of the backbone's masked weights (1 dense). */
  density: number;
  /** Trainable parameters (all, and not masked off). */
  params: { dense: number; nonzero: number };
  /** Training throughput (images per second of step time). */
  imgPerSec: number;
  /** Share of step time spent waiting for data. */
  dataShare: number;
  /** Wall-clock seconds over resumes. */
  wallSeconds: number;
}
