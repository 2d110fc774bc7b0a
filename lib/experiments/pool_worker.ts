/**
 * The worker side of a parallel sweep (`slak ablate --jobs N`): reads assignments (one run id per
 * line) from the parent, does each run with the ordinary runner (its lock, resume, error.json and
 * events, exactly as a one-process sweep would) and reports the events and the run's summary as
 * protocol lines. It ends when the parent closes the pipe while it is idle, or after an
 * interrupted run; a pipe closed in the middle of a run, or after an assignment not yet started,
 * means the parent is gone, and `onParentGone` is called (the CLI exits at once, as if it had been
 * killed with its parent).
 *
 * @module
 */
import type { Plan } from "./plan.ts";
import { encodeLine, parseAssignment, readLines, toWire } from "./pool_protocol.ts";
import { type Execute, runShard } from "./runner.ts";
import type { ShardInfo } from "./shard.ts";

/** Options of {@link serveWorker}. */
export interface WorkerOptions {
  /** The sweep folder. */
  dir: string;
  /** The shard of the parent (recorded in each run's meta.json, as a one-process sweep does). */
  shard: ShardInfo;
  /** Does one run (the trainer). */
  execute: Execute;
  /** Extra meta recorded in each run (e.g. the backend). */
  meta?: Record<string, unknown> | undefined;
  /** Assignments from the parent. */
  input: ReadableStream<Uint8Array>;
  /** Writes one protocol line to the parent (synchronously, so that lines keep their order). */
  write: (line: string) => void;
  /** Aborting interrupts the current run after a checkpoint; the worker then ends. */
  signal: AbortSignal;
  /** The parent closed the pipe during a run. */
  onParentGone: () => void;
}

/** Serves assignments until the parent has no more work (see the module comment). */
export async function serveWorker(plan: Plan, opts: WorkerOptions): Promise<void> {
  const byId = new Map(plan.runs.map((r) => [r.id, r]));
  const queue: string[] = [];
  let eof = false;
  let busy = false;
  const waiter: { wake: (() => void) | null } = { wake: null };
  const reader = (async () => {
    for await (const line of readLines(opts.input)) {
      queue.push(line);
      waiter.wake?.();
    }
    eof = true;
    if (busy) opts.onParentGone();
    waiter.wake?.();
  })();
  while (true) {
    while (queue.length === 0 && !eof) await new Promise<void>((r) => (waiter.wake = r));
    waiter.wake = null;
    const line = queue.shift();
    if (line === undefined) break;
    if (line.trim() === "") continue;
    // The parent closes the pipe only when it waits for nothing: an assignment still unread at
    // the end of the pipe means that the parent is gone, and nobody wants the run any more.
    if (eof) {
      opts.onParentGone();
      break;
    }
    const a = parseAssignment(line);
    const run = a ? byId.get(a.run) : undefined;
    if (!run) throw new Error(`worker: not an assignment of this plan: ${line.slice(0, 200)}`);
    busy = true;
    // A plan of this one run: the runner's shard filter keeps it (the parent took it from the
    // same shard) and its meta records the sweep, the run and the shard as usual.
    const summary = await runShard({ ...plan, runs: [run] }, {
      dir: opts.dir,
      shard: opts.shard,
      execute: opts.execute,
      meta: opts.meta,
      signal: opts.signal,
      onEvent: (e) => {
        const event = toWire(e);
        if (event) opts.write(encodeLine({ slak: "event", event }));
      },
    });
    busy = false;
    opts.write(encodeLine({ slak: "summary", run: run.id, summary }));
    if (summary.interrupted || opts.signal.aborted) break;
  }
  if (eof) await reader;
}
