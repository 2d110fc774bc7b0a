/**
 * Progress on stderr for long commands: on a terminal, one status line redrawn in place (a bar),
 * with ordinary lines printed above it; elsewhere (logs, CI, pipes) every update is its own line.
 * Honours NO_COLOR and TERM=dumb.
 *
 * @module
 */
import type { TrainProgress } from "../lib/train/run.ts";
import { dim } from "./_common.ts";

/** `mm:ss` or `1h05m`; `--:--` when unknown. */
export function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "--:--";
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
    : `${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

/** A fraction as a percentage with one decimal, `-` when absent. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? "-" : `${(100 * x).toFixed(1)}%`;
}

/** The status text of one optimizer step (bar on a terminal, line elsewhere). */
export function stepText(ev: Extract<TrainProgress, { type: "step" }>, bar: boolean): string {
  const head = bar
    ? `[${"#".repeat(Math.round((24 * ev.step) / ev.totalSteps)).padEnd(24, "-")}] `
    : "step ";
  return `${head}${ev.step}/${ev.totalSteps} ep ${ev.epoch} loss ${ev.loss.toFixed(4)} lr ${
    ev.lr.toExponential(2)
  } ${ev.imgPerSec.toFixed(1)} img/s ETA ${fmtTime(ev.etaSeconds)}`;
}

/** Writes progress to stderr: a redrawn status line on a terminal, plain lines otherwise. */
export class StatusLine {
  /** Whether stderr is a terminal (status lines are redrawn in place). */
  readonly tty: boolean;
  readonly #color: boolean;
  readonly #enc = new TextEncoder();
  #shown = false;

  constructor(tty = Deno.stderr.isTerminal()) {
    this.tty = tty;
    this.#color = tty && !Deno.env.get("NO_COLOR") && Deno.env.get("TERM") !== "dumb";
  }

  #write(s: string): void {
    Deno.stderr.writeSync(this.#enc.encode(s));
  }

  /** Removes the status line (before ordinary output). */
  clear(): void {
    if (this.#shown) this.#write("\r\x1b[2K");
    this.#shown = false;
  }

  /** An ordinary line (kept in the scrollback). */
  line(text: string): void {
    this.clear();
    this.#write(`${dim(text)}\n`);
  }

  /** The status: redrawn in place on a terminal, its own line otherwise. */
  status(text: string): void {
    if (!this.tty) {
      this.#write(`${text}\n`);
      return;
    }
    this.#write(`\r\x1b[2K${this.#color ? `\x1b[36m${text}\x1b[0m` : text}`);
    this.#shown = true;
  }
}

/** The line of a finished epoch: losses, accuracy, density, speed. */
export function epochText(ev: Extract<TrainProgress, { type: "epoch" }>): string {
  const r = ev.record;
  const ema = r.ema ? ` | ema top1 ${pct(r.ema.top1)}` : "";
  return `epoch ${r.epoch}/${ev.epochs} step ${r.step}: train loss ${r.loss.toFixed(4)} | ` +
    `test loss ${r.evalLoss.toFixed(4)} top1 ${pct(r.top1)}` +
    (r.top5 !== null ? ` top5 ${pct(r.top5)}` : "") + ema +
    ` | density ${r.density.toFixed(4)} | ${r.imgPerSec.toFixed(1)} img/s, data ${
      pct(r.dataShare)
    }`;
}

/** The runs of a parallel sweep (`slak ablate --jobs N`) for its one aggregated status line. */
export class SweepProgress {
  /** Runs this call has to do (runs found done or locked elsewhere leave the count). */
  total: number;
  /** Runs finished by this call. */
  done = 0;
  /** Runs failed in this call. */
  failed = 0;
  readonly #running = new Map<string, { name: string; step: number; steps: number }>();
  readonly #start: number;
  readonly #now: () => number;

  /** A sweep of `total` runs to do; `now` is the clock in ms (tests pass their own). */
  constructor(total: number, now: () => number = () => performance.now()) {
    this.total = total;
    this.#now = now;
    this.#start = now();
  }

  /** A run started. */
  started(id: string, name: string): void {
    this.#running.set(id, { name, step: 0, steps: 0 });
  }

  /** A step of a running run. */
  step(id: string, step: number, steps: number): void {
    const r = this.#running.get(id);
    if (r) Object.assign(r, { step, steps });
  }

  /** A run ended: finished, failed, or neither (interrupted, or left to another process). */
  ended(id: string, how: "done" | "failed" | "interrupted" | "elsewhere"): void {
    this.#running.delete(id);
    if (how === "done") this.done++;
    else if (how === "failed") this.failed++;
    else if (how === "elsewhere") this.total = Math.max(0, this.total - 1);
  }

  /** Runs in progress. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * Seconds left for the whole sweep: the elapsed time scaled by the work left over the work
   * done, counting ended runs whole and running ones by their steps; NaN before any progress.
   */
  eta(): number {
    let work = this.done + this.failed;
    for (const r of this.#running.values()) if (r.steps > 0) work += r.step / r.steps;
    if (this.total <= 0) return 0;
    if (work <= 0) return NaN;
    const elapsed = (this.#now() - this.#start) / 1000;
    return (elapsed * Math.max(0, this.total - work)) / work;
  }

  /** `[###---] 3/12 done · 2 running · 1 failed · ETA 01:23`, with the running runs on a bar. */
  text(bar: boolean): string {
    const ended = this.done + this.failed;
    const counts = `${this.done}/${this.total} done · ${this.running} running · ${this.failed} ` +
      `failed · ETA ${fmtTime(this.eta())}`;
    if (!bar) return counts;
    const fill = this.total > 0 ? Math.round((24 * ended) / this.total) : 24;
    const runs = [...this.#running.values()].map((r) =>
      r.steps > 0 ? `${r.name} ${r.step}/${r.steps}` : r.name
    );
    return `[${"#".repeat(fill).padEnd(24, "-")}] ${counts}` +
      (runs.length ? ` · ${runs.join(", ")}` : "");
  }
}
