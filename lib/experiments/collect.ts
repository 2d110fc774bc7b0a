/**
 * Gathering the state of every planned run from a sweep folder (shard folders copied together
 * give one folder): finished (result.json), failed (error.json), running (a lock of a live
 * process), interrupted (a checkpoint but no result), or not run.
 *
 * @module
 */
import { layout, readJsonOrNull } from "./layout.ts";
import { isStale, readLock } from "../util/lock.ts";
import { existsSync } from "../util/stat.ts";
import type { Plan, PlannedRun } from "./plan.ts";

/** State of a planned run. */
export type RunStatus = "done" | "failed" | "running" | "interrupted" | "not run";

/** A planned run with its state and, when done, its result.json. */
export interface RunRecord {
  id: string;
  name: string;
  labels: Record<string, string>;
  seed: number;
  status: RunStatus;
  result: Record<string, unknown> | null;
  error: string | null;
}

/** The record of one planned run. */
export function collectRun(dir: string, run: PlannedRun): RunRecord {
  const base = { id: run.id, name: run.name, labels: run.labels, seed: run.seed };
  const result = readJsonOrNull<Record<string, unknown>>(layout.result(dir, run.id));
  if (result) return { ...base, status: "done", result, error: null };
  const lock = readLock(layout.lock(dir, run.id));
  if (lock && !isStale(lock, 30 * 60 * 1000, Date.now())) {
    return { ...base, status: "running", result: null, error: null };
  }
  const err = readJsonOrNull<{ message?: string }>(layout.error(dir, run.id));
  if (err) return { ...base, status: "failed", result: null, error: err.message ?? "failed" };
  if (existsSync(layout.checkpoint(dir, run.id))) {
    return { ...base, status: "interrupted", result: null, error: null };
  }
  return { ...base, status: "not run", result: null, error: null };
}

/** Records of every planned run, in plan order (each exactly once). */
export function collectRuns(dir: string, plan: Plan): RunRecord[] {
  return plan.runs.map((r) => collectRun(dir, r));
}
