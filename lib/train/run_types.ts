/**
 * What a training run returns, records and reports (result.json, metrics.jsonl, progress events),
 * its options, its errors and the layout of its output folder.
 *
 * @module
 */
import { EXIT, UserError } from "../util/errors.ts";
import type { EvalResult } from "./checkpoint.ts";
import type { DensityReport } from "./density_report.ts";
import type { BestMeasure } from "./mid_eval.ts";

/** What result.json holds (written last: its presence means the run is done). */
export interface TrainResult {
  /** Test loss, top-1 and top-5 of the model after the last epoch. */
  loss: number;
  /** Top-1 accuracy (fraction). */
  top1: number;
  /** Top-5 accuracy (null with fewer than 5 classes). */
  top5: number | null;
  /** Overall density of the maskable weights (1 for a dense run). */
  density: number;
  /** Densities per stage and per kind of layer, from the final masks. */
  densities: DensityReport;
  /** Optimizer steps done. */
  steps: number;
  /** Epochs done. */
  epochs: number;
  /** Training images per second (optimizer steps including data waits). */
  imgPerSec: number;
  /** Share of training-step time spent waiting for data. */
  dataShare: number;
  /** Parameters: all, and non-zero with the final masks. */
  params: { dense: number; nonzero: number };
  /** MACs per image: dense, and with the final masks. */
  macs: { dense: number; sparse: number };
  /** Evaluation of the EMA weights (null without EMA). */
  ema: { loss: number; top1: number; top5: number | null } | null;
  /**
   * The last epoch's evaluation with recalibrated BN statistics (null: no BatchNorm or off).
   * `top1` (running statistics) stays the figure of record, comparable with the official code.
   */
  recalibrated: { loss: number; top1: number; top5: number | null } | null;
  /** Wall-clock seconds over all resumes. */
  wallSeconds: number;
}

/** Fields every metrics.jsonl record has. */
export interface MetricsBase {
  /** Optimizer steps completed. */
  step: number;
  /** 1-based epoch the record belongs to. */
  epoch: number;
  /** Learning rate of the step. */
  lr: number;
  /** Overall density of the maskable weights (1 for a dense run). */
  density: number;
  /** Training throughput so far (images per second of step time). */
  imgPerSec: number;
  /** Density per masked layer (sparse runs). */
  layers?: Record<string, number>;
}

/** The record written after each epoch's evaluation. */
export interface EpochRecord extends MetricsBase {
  /** Record kind. */
  type: "epoch";
  /** Mean training loss of the epoch's steps. */
  loss: number;
  /** Test loss of the model (no smoothing). */
  evalLoss: number;
  /** Test top-1 of the model. */
  top1: number;
  /** Test top-5 of the model (null with fewer than 5 classes). */
  top5: number | null;
  /** Evaluation of the EMA weights (null without EMA). */
  ema: EvalResult | null;
  /**
   * Test evaluation of the model with its BN statistics recalibrated on training batches (null:
   * no BatchNorm, or `eval.bnRecalibration` false). `top1` above uses the running statistics, as
   * the official code; this is the figure that is reliable during training (see mid_eval.ts).
   */
  recalibrated: EvalResult | null;
  /** The same for the EMA weights (null without EMA, BatchNorm or recalibration). */
  emaRecalibrated: EvalResult | null;
  /** The figure that chose the `best` checkpoint (`recalibrated.top1` when there is one). */
  bestBy: BestMeasure;
  /** Prune rate at the epoch's last step (null for a dense run). */
  pruneRate: number | null;
  /** Share of training-step time spent waiting for data. */
  dataShare: number;
}

/** The record written after each prune-and-grow update. */
export interface TopologyRecord extends MetricsBase {
  /** Record kind. */
  type: "topology";
  /** Training loss of the step that triggered the update. */
  loss: number;
  /** Fraction of active weights pruned and regrown in each layer. */
  pruneRate: number;
  /** Density per masked layer after the update. */
  layers: Record<string, number>;
}

/** The record written every `logEvery` steps (`--log-every K`). */
export interface StepRecord extends MetricsBase {
  /** Record kind. */
  type: "step";
  /** Training loss of the step. */
  loss: number;
}

/** One metrics.jsonl record. */
export type MetricsRecord = EpochRecord | TopologyRecord | StepRecord;

/** Progress events (the CLI renders them). */
export type TrainProgress =
  | {
    type: "start";
    step: number;
    totalSteps: number;
    stepsPerEpoch: number;
    epochs: number;
    resumed: boolean;
    dataset: string;
    params: { dense: number; nonzero: number };
  }
  | {
    type: "step";
    step: number;
    totalSteps: number;
    epoch: number;
    loss: number;
    lr: number;
    imgPerSec: number;
    etaSeconds: number;
  }
  | { type: "epoch"; record: EpochRecord; epochs: number; totalSteps: number }
  | { type: "topology"; record: TopologyRecord }
  | { type: "checkpoint"; step: number; reason: "epoch" | "steps" | "signal" }
  | { type: "message"; text: string };

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  /** Output folder (created when missing). */
  outDir: string;
  /** Continue from `outDir`'s last checkpoint (a finished run returns its result). */
  resume?: boolean;
  /** Receives progress events (start, step, epoch, topology, checkpoint, message). */
  onProgress?: (ev: TrainProgress) => void;
  /** Extra fields for meta.json (e.g. the adapter). */
  meta?: Record<string, unknown>;
  /** Aborting checkpoints at the next step boundary and throws {@link TrainInterrupted}. */
  signal?: AbortSignal;
  /**
   * Every this many steps, a `step` record in metrics.jsonl and `step/...` scalars in the
   * TensorBoard event file (0 or absent: per epoch and per topology update only).
   */
  logEvery?: number;
}

/** The run stopped on request (signal) after writing a checkpoint; exit code 130. */
export class TrainInterrupted extends UserError {
  /** A run interrupted by a signal. @param message what was interrupted and how to continue */
  constructor(message: string) {
    super(message, EXIT.interrupted);
    this.name = "TrainInterrupted";
  }
}

/** NaN or Inf in the loss or the weights; the last good checkpoint is kept. */
export class NonFiniteError extends UserError {
  /** A non-finite or diverging state. @param message the step, the layer and where the last good checkpoint is */
  constructor(message: string) {
    super(message, EXIT.failure);
    this.name = "NonFiniteError";
  }
}

/** Paths of the files of a run folder. */
export interface RunFiles {
  /** The resolved config (config.json). */
  config: string;
  /** Provenance: seed, git commit, versions, backend, host, start/end (meta.json). */
  meta: string;
  /** One JSON record per epoch and topology update (metrics.jsonl). */
  metrics: string;
  /** Written last: its presence means the run is done (result.json). */
  result: string;
  /** The checkpoints folder. */
  checkpoints: string;
  /** The whole training state, for resume (checkpoints/state.safetensors). */
  state: string;
  /** Weights of the last checkpoint (checkpoints/last.safetensors). */
  last: string;
  /** Weights of the best epoch by test top-1 (checkpoints/best.safetensors). */
  best: string;
  /** Held while a process trains into the folder (see lib/util/lock.ts). */
  lock: string;
}

/** Files of a run folder. */
export function runFiles(outDir: string): RunFiles {
  const ck = `${outDir}/checkpoints`;
  return {
    config: `${outDir}/config.json`,
    meta: `${outDir}/meta.json`,
    metrics: `${outDir}/metrics.jsonl`,
    result: `${outDir}/result.json`,
    checkpoints: ck,
    state: `${ck}/state.safetensors`,
    last: `${ck}/last.safetensors`,
    best: `${ck}/best.safetensors`,
    lock: `${outDir}/run.lock`,
  };
}
