/**
 * The evaluations a run made during training, read from its metrics.jsonl: classification runs'
 * `epoch` records (test top-1 and top-5 of the model, as fractions) and segmentation runs'
 * `seg_epoch` records (test mIoU), keyed by the optimizer step they were taken at; for BatchNorm
 * models also the evaluation with recalibrated BN statistics (`recalibrated`), the figure that is
 * reliable mid-training (lib/train/mid_eval.ts). Other records
 * (`topology`, `step`) carry no test metric and are passed by. The last evaluation equals the
 * run's result.json figure (the trainer writes both from the same evaluation).
 *
 * @module
 */
import { layout } from "./layout.ts";

/**
 * Prefix of the figures of the evaluation with recalibrated BatchNorm statistics
 * (`recalibrated.top1`, `recalibrated.top5`; BN models with `eval.bnRecalibration` only).
 */
export const RECALIBRATED = "recalibrated.";

/**
 * The test metrics (fractions 0..1) of one evaluation, by metric name (`top1`, `top5`, `miou`,
 * and `recalibrated.top1`/`recalibrated.top5` where recorded).
 */
export type EvalPoint = Record<string, number>;

/** The evaluations of one run: step → metrics, and the lines that could not be read. */
export interface RunEvals {
  /** Evaluations by step (a step logged twice keeps its last record). */
  points: Map<number, EvalPoint>;
  /** Lines that were not JSON (e.g. a half-written last line of an interrupted run). */
  badLines: number;
}

function finite(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** The test metrics of one metrics.jsonl record, or null when it is not an evaluation. */
export function evalPointOf(rec: unknown): { step: number; point: EvalPoint } | null {
  const r = rec as Record<string, unknown> | null;
  if (r === null || typeof r !== "object" || !finite(r.step)) return null;
  const point: EvalPoint = {};
  if (r.type === "epoch") {
    if (finite(r.top1)) point.top1 = r.top1;
    if (finite(r.top5)) point.top5 = r.top5;
    const rc = r.recalibrated as Record<string, unknown> | null | undefined;
    if (finite(rc?.top1)) point[RECALIBRATED + "top1"] = rc.top1;
    if (finite(rc?.top5)) point[RECALIBRATED + "top5"] = rc.top5;
  } else if (r.type === "seg_epoch") {
    if (finite(r.miou)) point.miou = r.miou;
  } else return null;
  return { step: r.step, point };
}

/** Parses the text of a metrics.jsonl file. */
export function parseRunEvals(text: string): RunEvals {
  const points = new Map<number, EvalPoint>();
  let badLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      badLines++;
      continue;
    }
    const e = evalPointOf(rec);
    if (e) points.set(e.step, e.point);
  }
  return { points, badLines };
}

/** The evaluations of run `id` of sweep folder `dir`; null when it has no metrics.jsonl. */
export function readRunEvals(dir: string, id: string): RunEvals | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(layout.metrics(dir, id));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  return parseRunEvals(text);
}
