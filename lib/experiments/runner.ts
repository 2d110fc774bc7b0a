/**
 * Runs this shard's part of a plan: skips finished runs (result.json), resumes interrupted ones
 * (a checkpoint exists), takes a per-run lock so that no two processes run the same run, keeps
 * going past failures (recording `error.json`) unless `failFast`, and reports progress through a
 * callback. The work of one run is an injected {@link Execute} function (the CLI passes the real
 * trainer, or the counter for counting specs).
 *
 * @module
 */
import { writeJsonAtomic } from "../util/fs.ts";
import { isDone, layout } from "./layout.ts";
import { acquireLock, heartbeat, type HeldLock, type LockInfo, releaseLock } from "../util/lock.ts";
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
  | { type: "interrupted"; run: PlannedRun };

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

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs shard `opts.shard` of `plan` in `opts.dir` (the plan must have been saved there). */
export async function runShard(plan: Plan, opts: RunnerOptions): Promise<RunSummary> {
  const { dir } = opts;
  const emit = opts.onEvent ?? (() => {});
  const mine = selectRuns(shardRuns(plan, opts.shard.index, opts.shard.count), opts.only ?? {});
  const summary: RunSummary = {
    planned: mine.length,
    ran: [],
    skipped: [],
    busy: [],
    failed: [],
    interrupted: false,
  };
  await Deno.mkdir(layout.runs(dir), { recursive: true });
  await Deno.mkdir(layout.locks(dir), { recursive: true });
  let position = 0;
  for (const run of mine) {
    position++;
    if (opts.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    if (isDone(dir, run.id)) {
      summary.skipped.push(run.id);
      emit({ type: "skip", run, reason: "done" });
      continue;
    }
    const got = acquireLock(layout.lock(dir, run.id), { staleMs: opts.staleMs });
    if (!got.ok) {
      summary.busy.push(run.id);
      emit({ type: "busy", run, holder: got.holder });
      continue;
    }
    const lock: HeldLock = got.lock;
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      // Another process may have finished it between the check and the lock.
      if (isDone(dir, run.id)) {
        summary.skipped.push(run.id);
        emit({ type: "skip", run, reason: "done" });
        continue;
      }
      const outDir = layout.run(dir, run.id);
      const resume = exists(layout.checkpoint(dir, run.id));
      if (!resume) await clearPartial(outDir);
      await Deno.mkdir(outDir, { recursive: true });
      try {
        await Deno.remove(layout.error(dir, run.id));
      } catch { /* none */ }
      emit({ type: "start", run, resume, position, total: mine.length });
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
        if (!isDone(dir, run.id)) throw new Error("the run ended without writing result.json");
        summary.ran.push(run.id);
        emit({ type: "done", run, seconds: (performance.now() - started) / 1000 });
      } catch (e) {
        if (opts.signal?.aborted) {
          summary.interrupted = true;
          emit({ type: "interrupted", run });
          break;
        }
        const message = errorText(e);
        summary.failed.push({ id: run.id, name: run.name, message });
        emit({ type: "fail", run, message });
        await writeJsonAtomic(layout.error(dir, run.id), {
          id: run.id,
          name: run.name,
          message,
          stack: e instanceof Error ? e.stack ?? null : null,
          time: new Date().toISOString(),
          shard: opts.shard,
        });
        if (opts.failFast) break;
      }
    } finally {
      if (timer !== undefined) clearInterval(timer);
      releaseLock(lock);
    }
  }
  return summary;
}
