/**
 * The line protocol between `slak ablate --jobs N` and its worker processes. The parent writes one
 * {@link Assignment} per line on a worker's stdin (closing stdin means "no more work"); the worker
 * writes {@link WorkerMessage}s as JSON lines on its stdout: the runner's events for the run it
 * was given (runs named by id) and, when the run has ended, that run's {@link RunSummary}. Lines
 * that are not protocol messages (something else printed on stdout) are passed on as text.
 *
 * @module
 */
import type { LockInfo } from "../util/lock.ts";
import type { PlannedRun } from "./plan.ts";
import type { RunnerEvent, RunSummary } from "./runner.ts";

/** Parent → worker: run this run of the plan. */
export interface Assignment {
  /** The run's id in the plan. */
  run: string;
}

/** A runner event as it travels on the pipe: the run named by its id. */
export type WireEvent =
  | { type: "skip"; id: string }
  | { type: "busy"; id: string; holder: LockInfo | null }
  | { type: "start"; id: string; resume: boolean }
  | { type: "progress"; id: string; progress: unknown }
  | { type: "done"; id: string; seconds: number }
  | { type: "fail"; id: string; message: string }
  | { type: "interrupted"; id: string };

/** Worker → parent. */
export type WorkerMessage =
  | { slak: "event"; event: WireEvent }
  | { slak: "summary"; run: string; summary: RunSummary };

const PREFIX = '{"slak":';

/** One protocol line (with its newline). */
export function encodeLine(msg: WorkerMessage | Assignment): string {
  return `${JSON.stringify(msg)}\n`;
}

/** A worker's stdout line as a message, or null when it is not one (plain text). */
export function parseWorkerLine(line: string): WorkerMessage | null {
  if (!line.startsWith(PREFIX)) return null;
  try {
    const v = JSON.parse(line) as WorkerMessage;
    return v.slak === "event" || v.slak === "summary" ? v : null;
  } catch {
    return null;
  }
}

/** A parent's stdin line as an assignment (null for anything else). */
export function parseAssignment(line: string): Assignment | null {
  try {
    const v = JSON.parse(line) as Partial<Assignment>;
    return typeof v?.run === "string" ? { run: v.run } : null;
  } catch {
    return null;
  }
}

/**
 * A runner event for the pipe; null for "stopped", which the parent reports itself from the
 * run's summary (only it knows how many runs of the shard were not started).
 */
export function toWire(e: RunnerEvent): WireEvent | null {
  const id = e.run.id;
  switch (e.type) {
    case "skip":
      return { type: "skip", id };
    case "busy":
      return { type: "busy", id, holder: e.holder };
    case "start":
      return { type: "start", id, resume: e.resume };
    case "progress":
      return { type: "progress", id, progress: e.progress };
    case "done":
      return { type: "done", id, seconds: e.seconds };
    case "fail":
      return { type: "fail", id, message: e.message };
    case "interrupted":
      return { type: "interrupted", id };
    case "stopped":
      return null;
  }
}

/**
 * The runner event of a wire event; the `position`/`total` of a start are the parent's, which
 * schedules the whole shard.
 */
export function fromWire(
  w: WireEvent,
  run: PlannedRun,
  where: { position: number; total: number },
): RunnerEvent {
  switch (w.type) {
    case "skip":
      return { type: "skip", run, reason: "done" };
    case "busy":
      return { type: "busy", run, holder: w.holder };
    case "start":
      return { type: "start", run, resume: w.resume, position: where.position, total: where.total };
    case "progress":
      return { type: "progress", run, progress: w.progress };
    case "done":
      return { type: "done", run, seconds: w.seconds };
    case "fail":
      return { type: "fail", run, message: w.message };
    case "interrupted":
      return { type: "interrupted", run };
  }
}

/** The lines of a byte stream (without their newlines; a last unterminated line included). */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
    }
  }
  if (rest) yield rest;
}
