/**
 * The stderr lines of `slak ablate`: one per runner event, and a training run's progress (its
 * steps on the status line, its epochs as lines), shared by the one-process and the parallel
 * sweep.
 *
 * @module
 */
import type { PlannedRun, RunnerEvent } from "../lib/experiments/mod.ts";
import type { TrainProgress } from "../lib/train/mod.ts";
import { type StatusLine, stepText } from "./_progress.ts";

/** The line of a runner event (progress events are handled by {@link progressLine}). */
export function eventLine(e: Exclude<RunnerEvent, { type: "progress" }>): string {
  switch (e.type) {
    case "skip":
      return `  ✓ ${e.run.name} [${e.run.id}] already done`;
    case "busy":
      return `  … ${e.run.name} [${e.run.id}] locked by ${
        e.holder ? `pid ${e.holder.pid} on ${e.holder.host}` : "another process"
      }; skipped`;
    case "start":
      return `▶ [${e.position}/${e.total}] ${e.run.name} [${e.run.id}]${
        e.resume ? " (resuming)" : ""
      }`;
    case "done":
      return `  ✓ ${e.run.name} done in ${e.seconds.toFixed(1)} s`;
    case "fail":
      return `  ✗ ${e.run.name} failed: ${e.message}`;
    case "interrupted":
      return `  ■ ${e.run.name} interrupted (checkpoint kept; rerun to resume)`;
    case "stopped":
      return `  ■ stopping the sweep: ${e.message}; ${e.notStarted} runs not started`;
  }
}

/** The line of a finished epoch of a run in a sweep (`prefix`: e.g. the run's name). */
export function epochLine(p: Extract<TrainProgress, { type: "epoch" }>, prefix = ""): string {
  const r = p.record;
  return `    ${prefix}epoch ${r.epoch}/${p.epochs}: loss ${r.loss.toFixed(4)}` +
    (typeof r.top1 === "number" ? `, top-1 ${(r.top1 * 100).toFixed(2)}%` : "") +
    `, ${r.imgPerSec.toFixed(1)} img/s`;
}

/** A training run's progress inside a one-process sweep: steps on the status line, epochs as lines. */
export function progressLine(status: StatusLine, run: PlannedRun, p: TrainProgress): void {
  if (p.type === "step") status.status(`    ${run.name} ${stepText(p, status.tty)}`);
  else if (p.type === "epoch") status.line(epochLine(p));
}
