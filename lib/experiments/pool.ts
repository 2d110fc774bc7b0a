/**
 * Runs a shard of a plan on N worker processes (`slak ablate --jobs N`). The parent takes the
 * shard's runs in plan order, skips the finished ones, and hands each remaining run to exactly one
 * idle worker; each worker runs it with the ordinary runner (under the run's lock file, so other
 * processes on the folder are respected as before) and reports its events and summary, which the
 * parent merges into one {@link RunSummary} with the one-process meaning. A failure is recorded
 * and the other runs go on (unless `failFast`); an environment error (full disk, read-only
 * folder, no permission) stops handing out runs; in either case runs already started finish.
 * Aborting `signal` stops handing out runs and sends SIGTERM to every worker, whose run writes a
 * checkpoint; aborting `killSignal` sends SIGKILL. A worker that dies during a run fails that run
 * (rerun to resume it) and is replaced; one that dies before reporting anything is a bug: the
 * pool stops the others and throws.
 *
 * @module
 */
import { isDone } from "./layout.ts";
import type { Plan, PlannedRun } from "./plan.ts";
import { selectRuns, shardRuns } from "./plan.ts";
import type { PoolWorker, SpawnWorker, WorkerExit } from "./pool_process.ts";
import { fromWire, type WorkerMessage } from "./pool_protocol.ts";
import { emptySummary, type RunnerEvent, type RunSummary } from "./runner.ts";
import type { ShardInfo } from "./shard.ts";

/** Options of {@link runPool}. */
export interface PoolOptions {
  /** The sweep folder (its plan saved). */
  dir: string;
  /** This process's shard of the plan (the workers record it in each run's meta). */
  shard: ShardInfo;
  /** Worker processes (at most one per run to do). */
  jobs: number;
  /** Starts one worker (a process in the CLI, an in-memory one in tests). */
  spawn: SpawnWorker;
  /** Run only the planned runs whose labels match (axis → levels); see `parseOnly`. */
  only?: Record<string, string[]> | undefined;
  /** Stop handing out runs after the first failure. */
  failFast?: boolean | undefined;
  /** Graceful stop: SIGTERM to the workers (each checkpoints its run and exits). */
  signal?: AbortSignal | undefined;
  /** Hard stop: SIGKILL to the workers. */
  killSignal?: AbortSignal | undefined;
  /** The runner events of every worker, as a one-process sweep would report them. */
  onEvent?: ((e: RunnerEvent) => void) | undefined;
  /** A worker process was started (slot 0-based). */
  onSpawn?: ((slot: number, pid: number) => void) | undefined;
}

function exitText(x: WorkerExit): string {
  return x.signal ? `signal ${x.signal}` : `exit code ${x.code}`;
}

/** Runs shard `opts.shard` of `plan` (saved in `opts.dir`) on `opts.jobs` worker processes. */
export async function runPool(plan: Plan, opts: PoolOptions): Promise<RunSummary> {
  const emit = opts.onEvent ?? (() => {});
  const mine = selectRuns(shardRuns(plan, opts.shard.index, opts.shard.count), opts.only ?? {});
  const position = new Map(mine.map((r, i) => [r.id, i + 1]));
  const summary = emptySummary(mine.length);
  const todo: PlannedRun[] = [];
  for (const run of mine) {
    if (isDone(opts.dir, run.id)) {
      emit({ type: "skip", run, reason: "done" });
      summary.skipped.push(run.id);
    } else todo.push(run);
  }
  let next = 0;
  let stop = false;
  let fatal: Error | null = null;
  const live = new Set<PoolWorker>();
  const stopAll = (sig: Deno.Signal) => {
    stop = true;
    for (const w of live) w.kill(sig);
  };
  const onAbort = () => {
    summary.interrupted = true;
    stopAll("SIGTERM");
  };
  const onKill = () => stopAll("SIGKILL");
  if (opts.signal?.aborted) summary.interrupted = true;
  opts.signal?.addEventListener("abort", onAbort);
  opts.killSignal?.addEventListener("abort", onKill);

  const merge = (run: PlannedRun, s: RunSummary) => {
    summary.ran.push(...s.ran);
    summary.skipped.push(...s.skipped);
    summary.busy.push(...s.busy);
    summary.failed.push(...s.failed);
    if (s.interrupted) {
      summary.interrupted = true;
      stop = true;
    }
    if (s.stopped && !summary.stopped) {
      const notStarted = todo.slice(next).filter((r) => !isDone(opts.dir, r.id)).length;
      summary.stopped = { ...s.stopped, notStarted };
      emit({ type: "stopped", run, message: s.stopped.message, notStarted });
      stop = true;
    }
    if (s.failed.length && opts.failFast) stop = true;
  };

  const slot = async (k: number): Promise<void> => {
    while (!stop && next < todo.length) {
      let current: PlannedRun | null = null;
      let heard = false;
      let pending: ((s: RunSummary | null) => void) | null = null;
      const onMessage = (m: WorkerMessage) => {
        heard = true;
        if (m.slak === "summary") pending?.(m.summary);
        else if (current && m.event.id === current.id) {
          const at = { position: position.get(current.id) ?? 0, total: mine.length };
          emit(fromWire(m.event, current, at));
        }
      };
      const w = opts.spawn(k, onMessage);
      live.add(w);
      opts.onSpawn?.(k, w.pid);
      let exited: WorkerExit | null = null;
      void w.ended.then((x) => {
        exited = x;
        pending?.(null);
      });
      while (!stop && next < todo.length && exited === null) {
        const run = todo[next++]!;
        current = run;
        const got = new Promise<RunSummary | null>((r) => (pending = r));
        w.send({ run: run.id });
        const s = await got;
        pending = null;
        current = null;
        if (s) {
          merge(run, s);
          continue;
        }
        const x = exited ?? await w.ended;
        if (summary.interrupted) break;
        if (!heard && (x.signal === "SIGINT" || x.signal === "SIGTERM")) {
          // Signalled before it could install its handler (e.g. Ctrl-C at start-up).
          summary.interrupted = true;
          stopAll("SIGTERM");
          break;
        }
        if (!heard) {
          fatal ??= new Error(
            `worker process ${w.pid} (slot ${k + 1}) ended with ${exitText(x)} before ` +
              `reporting anything; see its messages above`,
          );
          stopAll("SIGTERM");
          break;
        }
        const message = `worker process ${w.pid} ended with ${exitText(x)} during the run ` +
          `(rerun to resume it)`;
        emit({ type: "fail", run, message });
        summary.failed.push({ id: run.id, name: run.name, message });
        if (opts.failFast) stop = true;
      }
      w.close();
      await w.ended;
      live.delete(w);
      if (fatal || summary.interrupted) return;
    }
  };

  try {
    const n = Math.max(1, Math.min(opts.jobs, todo.length));
    if (!summary.interrupted && todo.length > 0) {
      await Promise.all(Array.from({ length: n }, (_, k) => slot(k)));
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    opts.killSignal?.removeEventListener("abort", onKill);
  }
  if (fatal) throw fatal;
  return summary;
}
