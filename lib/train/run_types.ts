/**
 * What a training run returns, records and reports (result.json, metrics.jsonl, progress events),
 * its options, its errors and the layout of its output folder.
 *
 * @module
 */
import { EXIT, UserError } from "../util/errors.ts";
import type { EvalResult } from "./checkpoint.ts";

/** What result.json holds (written last: its presence means the run is done). */
export interface TrainResult {
  /** Test loss, top-1 and top-5 of the model after the last epoch. */
  loss: number;
  top1: number;
  top5: number | null;
  /** Overall density of the maskable weights (1 for a dense run). */
  density: number;
  steps: number;
  epochs: number;
  /** Training images per second (optimizer steps including data waits). */
  imgPerSec: number;
  /** Share of training-step time spent waiting for data. */
  dataShare: number;
  params: { dense: number; nonzero: number };
  macs: { dense: number; sparse: number };
  /** Evaluation of the EMA weights (null without EMA). */
  ema: { loss: number; top1: number; top5: number | null } | null;
  wallSeconds: number;
}

/** Fields every metrics.jsonl record has. */
interface MetricsBase {
  step: number;
  /** 1-based epoch the record belongs to. */
  epoch: number;
  lr: number;
  /** Overall density of the maskable weights (1 for a dense run). */
  density: number;
  imgPerSec: number;
  /** Density per masked layer (sparse runs). */
  layers?: Record<string, number>;
}

/** The record written after each epoch's evaluation. */
export interface EpochRecord extends MetricsBase {
  type: "epoch";
  /** Mean training loss of the epoch's steps. */
  loss: number;
  evalLoss: number;
  top1: number;
  top5: number | null;
  /** Evaluation of the EMA weights (null without EMA). */
  ema: EvalResult | null;
  /** Prune rate at the epoch's last step (null for a dense run). */
  pruneRate: number | null;
  /** Share of training-step time spent waiting for data. */
  dataShare: number;
}

/** The record written after each prune-and-grow update. */
export interface TopologyRecord extends MetricsBase {
  type: "topology";
  /** Training loss of the step that triggered the update. */
  loss: number;
  pruneRate: number;
  layers: Record<string, number>;
}

/** One metrics.jsonl record. */
export type MetricsRecord = EpochRecord | TopologyRecord;

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
  onProgress?: (ev: TrainProgress) => void;
  /** Extra fields for meta.json (e.g. the adapter). */
  meta?: Record<string, unknown>;
  /** Aborting checkpoints at the next step boundary and throws {@link TrainInterrupted}. */
  signal?: AbortSignal;
}

/** The run stopped on request (signal) after writing a checkpoint; exit code 130. */
export class TrainInterrupted extends UserError {
  constructor(message: string) {
    super(message, EXIT.interrupted);
    this.name = "TrainInterrupted";
  }
}

/** NaN or Inf in the loss or the weights; the last good checkpoint is kept. */
export class NonFiniteError extends UserError {
  constructor(message: string) {
    super(message, EXIT.failure);
    this.name = "NonFiniteError";
  }
}

/** Files of a run folder. */
export function runFiles(outDir: string) {
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
    /** Held while a process trains into the folder (see lib/util/lock.ts). */
    lock: `${outDir}/run.lock`,
  };
}
