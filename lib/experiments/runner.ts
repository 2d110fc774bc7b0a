/**
 * Runs this shard's part of a plan: skips finished runs (result.json), resumes interrupted ones
 * (a checkpoint exists), takes a per-run lock so that no two processes run the same run, keeps
 * going past failures (recording `error.json`) unless `failFast`, stops at the first environment
 * error (disk full, read-only folder, no permission), and reports progress through a
 * callback. The work of one run is an injected {@link Execute} function (the CLI passes the real
 * trainer, or the counter for counting specs).
 *
 * @module
 */
import type { EnvironmentError } from "../util/errors.ts";
import { describeFsError, isEnvironmentError, writeJsonAtomic } from "../util/fs.ts";
import { isDone as isResultDone, layout } from "./layout.ts";
import { acquireLock, heartbeat, type HeldLock, type LockInfo, releaseLock } from "../util/lock.ts";
import { existsSync } from "../util/stat.ts";
import type { Plan, PlannedRun } from "./plan.ts";
import { selectRuns, shardRuns } from "./plan.ts";
import type { ShardInfo } from "./shard.ts";

/** What an executor gets for one run. */
export interface ExecuteContext {
  /** The run folder (DIR/runs/<id>). */
  outDir: string;
  /** True when the folder holds a checkpoint to continue from. */
  resume: boolean;
  /** Recorded in the run's meta.json: the sweep, the run and the shard (with its source). */
  meta: Record<string, unknown>;
  /** Progress of the run (any value); also refreshes the lock's heartbeat. */
  onProgress: (p: unknown) => void;
  signal?: AbortSignal | undefined;
}

/** Does one run; must write `outDir/result.json` last, and only on success. */
export type Execute = (run: PlannedRun, ctx: ExecuteContext) => Promise<unknown>;

/** Runner events, for progress lines. */
export type RunnerEvent =
  | { type: "skip"; run: PlannedRun; reason: "done" }
  | { type: "busy"; run: PlannedRun; holder: LockInfo | null }
  | { type: "start"; run: PlannedRun; resume: boolean; position: number; total: number }
  | { type: "progress"; run: PlannedRun; progress: unknown }
  | { type: "done"; run: PlannedRun; seconds: number }
  | { type: "fail"; run: PlannedRun; message: string }
  | { type: "interrupted"; run: PlannedRun }
  | { type: "stopped"; run: PlannedRun; message: string; notStarted: number };

/** Options of {@link runShard}. */
export interface RunnerOptions {
  dir: string;
  shard: ShardInfo;
  execute: Execute;
  /** Stop at the first failure. */
  failFast?: boolean | undefined;
  /** Run only the planned runs whose labels match (axis → levels); see `parseOnly`. */
  only?: Record<string, string[]> | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: ((e: RunnerEvent) => void) | undefined;
  /** Extra meta recorded in each run (e.g. the backend). */
  meta?: Record<string, unknown> | undefined;
  /** Lock staleness for locks of other hosts (ms). */
  staleMs?: number | undefined;
  /** Heartbeat period (ms, default 60 s). */
  heartbeatMs?: number | undefined;
  /**
   * Whether a run is finished (default: its result.json exists). An ERF sweep also needs the
   * run's erf.json; a trained run without it then starts again, as a resume that skips training.
   */
  isDone?: ((dir: string, id: string) => boolean) | undefined;
}

/** What a shard did. */
export interface RunSummary {
  /** Runs of this shard. */
  planned: number;
  /** Finished by this call. */
  ran: string[];
  /** Already finished before. */
  skipped: string[];
  /** Held by another live process. */
  busy: string[];
  failed: { id: string; name: string; message: string }[];
  interrupted: boolean;
  /**
   * Set when an environment error (disk full, read-only, no permission) stopped the shard after
   * failing a run: its message and exit code, and how many later unfinished runs were not started.
   */
  stopped: { message: string; exitCode: number; notStarted: number } | null;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function clearPartial(runDir: string): Promise<void> {
  try {
    await Deno.remove(runDir, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** How one run ended. */
type Outcome =
  | { kind: "ran" }
  | { kind: "skipped" }
  | { kind: "busy" }
  | { kind: "interrupted" }
  | { kind: "failed"; message: string; environment: EnvironmentError | null };

/** Records a failure in the run's error.json (skipped when the disk refuses that too). */
async function recordError(
  dir: string,
  run: PlannedRun,
  message: string,
  e: unknown,
  shard: ShardInfo,
): Promise<void> {
  try {
    await writeJsonAtomic(layout.error(dir, run.id), {
      id: run.id,
      name: run.name,
      message,
      stack: e instanceof Error ? e.stack ?? null : null,
      time: new Date().toISOString(),
      shard,
    });
  } catch (w) {
    if (!isEnvironmentError(w)) throw w;
  }
}

/** Releases a lock; a folder that refuses the removal leaves a stale lock, taken over later. */
function release(lock: HeldLock): void {
  try {
    releaseLock(lock);
  } catch (e) {
    if (!isEnvironmentError(e)) throw e;
  }
}

/** Does one run under its lock. Environment errors outside `execute` propagate. */
async function runOne(
  plan: Plan,
  run: PlannedRun,
  opts: RunnerOptions,
  position: number,
  total: number,
): Promise<Outcome> {
  const { dir } = opts;
  const emit = opts.onEvent ?? (() => {});
  const isDone = opts.isDone ?? isResultDone;
  if (isDone(dir, run.id)) {
    emit({ type: "skip", run, reason: "done" });
    return { kind: "skipped" };
  }
  const got = acquireLock(
    layout.lock(dir, run.id),
    opts.staleMs !== undefined ? { staleMs: opts.staleMs } : {},
  );
  if (!got.ok) {
    emit({ type: "busy", run, holder: got.holder });
    return { kind: "busy" };
  }
  const lock: HeldLock = got.lock;
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    // Another process may have finished it between the check and the lock.
    if (isDone(dir, run.id)) {
      emit({ type: "skip", run, reason: "done" });
      return { kind: "skipped" };
    }
    const outDir = layout.run(dir, run.id);
    // A finished training (result.json) counts as resumable: kinds with a step after training.
    const resume = existsSync(layout.checkpoint(dir, run.id)) ||
      existsSync(layout.result(dir, run.id));
    if (!resume) await clearPartial(outDir);
    await Deno.mkdir(outDir, { recursive: true });
    try {
      await Deno.remove(layout.error(dir, run.id));
    } catch { /* none */ }
    emit({ type: "start", run, resume, position, total });
    let lastBeat = Date.now();
    const beatMs = opts.heartbeatMs ?? 60_000;
    timer = setInterval(() => {
      lastBeat = Date.now();
      heartbeat(lock).catch(() => {});
    }, beatMs);
    const started = performance.now();
    const meta = {
      ...(opts.meta ?? {}),
      ablation: {
        spec: plan.spec,
        scale: plan.scale,
        specHash: plan.specHash,
        runId: run.id,
        name: run.name,
        labels: run.labels,
        seed: run.seed,
        index: run.index,
        shard: opts.shard,
        resumed: resume,
      },
    };
    try {
      await opts.execute(run, {
        outDir,
        resume,
        meta,
        signal: opts.signal,
        onProgress: (p) => {
          emit({ type: "progress", run, progress: p });
          if (Date.now() - lastBeat > beatMs / 2) {
            lastBeat = Date.now();
            heartbeat(lock).catch(() => {});
          }
        },
      });
      if (!isDone(dir, run.id)) throw new Error("the run ended without writing its results");
      emit({ type: "done", run, seconds: (performance.now() - started) / 1000 });
      return { kind: "ran" };
    } catch (e) {
      if (opts.signal?.aborted) {
        emit({ type: "interrupted", run });
        return { kind: "interrupted" };
      }
      const environment = describeFsError(e);
      const message = environment?.message ?? errorText(e);
      emit({ type: "fail", run, message });
      await recordError(dir, run, message, e, opts.shard);
      return { kind: "failed", message, environment };
    }
  } finally {
    if (timer !== undefined) clearInterval(timer);
    release(lock);
  }
}

/**
 * Runs shard `opts.shard` of `plan` in `opts.dir` (the plan must have been saved there). An
 * environment error (disk full, read-only folder, no permission; see `describeFsError`) fails
 * the run it hit and stops the shard, since every later run would fail the same way.
 */
export async function runShard(plan: Plan, opts: RunnerOptions): Promise<RunSummary> {
  const { dir } = opts;
  const emit = opts.onEvent ?? (() => {});
  const isDone = opts.isDone ?? isResultDone;
  const mine = selectRuns(shardRuns(plan, opts.shard.index, opts.shard.count), opts.only ?? {});
  const summary = emptySummary(mine.length);
  await Deno.mkdir(layout.runs(dir), { recursive: true });
  await Deno.mkdir(layout.locks(dir), { recursive: true });
  let position = 0;
  for (const run of mine) {
    position++;
    if (opts.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    let outcome: Outcome;
    try {
      outcome = await runOne(plan, run, opts, position, mine.length);
    } catch (e) {
      // The lock or the run folder could not be written.
      const environment = describeFsError(e);
      if (environment === null) throw e;
      emit({ type: "fail", run, message: environment.message });
      outcome = { kind: "failed", message: environment.message, environment };
    }
    if (outcome.kind === "ran") summary.ran.push(run.id);
    else if (outcome.kind === "skipped") summary.skipped.push(run.id);
    else if (outcome.kind === "busy") summary.busy.push(run.id);
    else if (outcome.kind === "interrupted") {
      summary.interrupted = true;
      break;
    } else {
      summary.failed.push({ id: run.id, name: run.name, message: outcome.message });
      if (outcome.environment !== null) {
        const notStarted = mine.slice(position).filter((r) => !isDone(dir, r.id)).length;
        summary.stopped = {
          message: outcome.environment.message,
          exitCode: outcome.environment.exitCode,
          notStarted,
        };
        emit({ type: "stopped", run, message: outcome.environment.message, notStarted });
        break;
      }
      if (opts.failFast) break;
    }
  }
  return summary;
}

/** The summary of a shard before any run: `planned` runs, nothing ran, failed or stopped. */
export function emptySummary(planned: number): RunSummary {
  return {
    planned,
    ran: [],
    skipped: [],
    busy: [],
    failed: [],
    interrupted: false,
    stopped: null,
  };
}
