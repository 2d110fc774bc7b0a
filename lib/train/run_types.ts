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

/** One metrics.jsonl record. */
export interface MetricsRecord {
  type: "epoch" | "topology";
  step: number;
  /** 1-based epoch the record belongs to. */
  epoch: number;
  lr: number;
  /** Training loss (epoch mean for epoch records, this step's for topology records). */
  loss: number;
  top1?: number;
  top5?: number | null;
  evalLoss?: number;
  ema?: EvalResult | null;
  density: number;
  pruneRate: number | null;
  imgPerSec: number;
  dataShare?: number;
  /** Density per masked layer. */
  layers?: Record<string, number>;
}

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
  | { type: "epoch"; record: MetricsRecord; epochs: number; totalSteps: number }
  | { type: "topology"; record: MetricsRecord }
  | { type: "checkpoint"; step: number; reason: "epoch" | "steps" | "signal" | "end" }
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
  };
}

/** The config as written to config.json (key order stable). */
