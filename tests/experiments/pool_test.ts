// The parallel sweep's scheduler (runPool) with in-process workers: the real worker loop
// (serveWorker) and protocol over in-memory pipes, and a fake trainer; process crashes simulated.
import assert from "node:assert/strict";
import {
  type Execute,
  expandPlan,
  loadSpec,
  type Plan,
  type RunnerEvent,
  savePlan,
} from "../../lib/experiments/mod.ts";
import { runPool } from "../../lib/experiments/pool.ts";
import type { PoolWorker, SpawnWorker, WorkerExit } from "../../lib/experiments/pool_process.ts";
import { encodeLine, parseWorkerLine } from "../../lib/experiments/pool_protocol.ts";
import { serveWorker } from "../../lib/experiments/pool_worker.ts";
import { EnvironmentError, EXIT } from "../../lib/util/errors.ts";
import { resolveJobs } from "../../cli/_ablate_pool.ts";
import { SweepProgress } from "../../cli/_progress.ts";
import { TINY, trainResolver } from "./_helpers.ts";

const shard = { index: 1, count: 1, source: "test" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tinyPlan(): Promise<Plan> {
  const { spec } = await loadSpec(TINY);
  return expandPlan(spec, "smoke", { resolve: trainResolver });
}

/** What the fake trainer saw: calls per run, and the most runs in progress at once. */
interface Calls {
  ids: string[];
  active: number;
  peak: number;
}

/** A fake trainer taking `ms` per run; `fail` decides what a run throws at once (null: none). */
function fakeTrain(calls: Calls, ms: number, fail: (name: string) => Error | null): Execute {
  return async (run, ctx) => {
    calls.ids.push(run.id);
    calls.active++;
    calls.peak = Math.max(calls.peak, calls.active);
    try {
      const e = fail(run.name);
      if (e) throw e;
      await sleep(ms);
      if (ctx.signal?.aborted) throw new Error("interrupted");
      await Deno.writeTextFile(`${ctx.outDir}/meta.json`, JSON.stringify(ctx.meta));
      await Deno.writeTextFile(`${ctx.outDir}/result.json`, JSON.stringify({ top1: 0.5 }));
    } finally {
      calls.active--;
    }
  };
}

/**
 * Workers in this process: serveWorker on an in-memory pipe. `crash(name)` true makes the worker
 * that gets that run die (as a killed process would) instead of reporting; `mute` makes workers
 * die at once without a word.
 */
function inProcess(
  plan: Plan,
  dir: string,
  execute: Execute,
  opts: { crash?: (name: string) => boolean; mute?: boolean; spawned?: number[] } = {},
): SpawnWorker {
  return (slot, onMessage) => {
    opts.spawned?.push(slot);
    const ac = new AbortController();
    const pipe = new TransformStream<Uint8Array, Uint8Array>();
    const writer = pipe.writable.getWriter();
    let end!: (x: WorkerExit) => void;
    const ended = new Promise<WorkerExit>((r) => (end = r));
    let dead = false;
    const die = (x: WorkerExit) => {
      if (dead) return;
      dead = true;
      end(x);
    };
    if (opts.mute) queueMicrotask(() => die({ code: 1, signal: null }));
    else {
      serveWorker(plan, {
        dir,
        shard,
        execute: (run, ctx) => {
          if (opts.crash?.(run.name)) {
            die({ code: 137, signal: "SIGKILL" });
            return new Promise(() => {}); // the process is gone: nothing more from it
          }
          return execute(run, ctx);
        },
        input: pipe.readable,
        write: (line) => {
          const m = parseWorkerLine(line.trimEnd());
          if (m && !dead) onMessage(m);
        },
        signal: ac.signal,
        onParentGone: () => {},
      }).then(() => die({ code: 0, signal: null }), () => die({ code: 1, signal: null }));
    }
    const enc = new TextEncoder();
    const w: PoolWorker = {
      pid: 1000 + slot,
      send: (a) => void writer.write(enc.encode(encodeLine(a))).catch(() => {}),
      close: () => void writer.close().catch(() => {}),
      kill: (sig) => (sig === "SIGKILL" ? die({ code: 137, signal: "SIGKILL" }) : ac.abort()),
      ended,
    };
    return w;
  };
}

async function withPlan(fn: (plan: Plan, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "slak-pool-" });
  try {
    const plan = await tinyPlan();
    await savePlan(dir, plan, false);
    await fn(plan, dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name: "runPool() runs every run exactly once, N at once, each start with its shard position",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPlan(async (plan, dir) => {
      const calls: Calls = { ids: [], active: 0, peak: 0 };
      const events: RunnerEvent[] = [];
      const execute = fakeTrain(calls, 30, () => null);
      // One run finished before: skipped by the parent, never sent to a worker.
      const first = plan.runs[0]!;
      await Deno.mkdir(`${dir}/runs/${first.id}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/runs/${first.id}/result.json`, "{}");
      const s = await runPool(plan, {
        dir,
        shard,
        jobs: 3,
        spawn: inProcess(plan, dir, execute),
        onEvent: (e) => events.push(e),
      });
      assert.deepEqual(s.skipped, [first.id]);
      assert.deepEqual([...s.ran].sort(), plan.runs.slice(1).map((r) => r.id).sort());
      assert.deepEqual([...calls.ids].sort(), [...s.ran].sort(), "each run executed once");
      assert.equal(calls.peak, 3, "three runs at once");
      // Each start carries the run's position in the shard (workers start in any order).
      const starts = events.flatMap((e) => e.type === "start" ? [e] : [])
        .sort((a, b) => a.position - b.position);
      assert.deepEqual(starts.map((e) => e.run.id), plan.runs.slice(1).map((r) => r.id));
      assert.deepEqual(starts.map((e) => `${e.position}/${e.total}`), [
        "2/6",
        "3/6",
        "4/6",
        "5/6",
        "6/6",
      ]);
      assert.equal(events.filter((e) => e.type === "done").length, 5);
      const meta = JSON.parse(await Deno.readTextFile(`${dir}/runs/${plan.runs[3]!.id}/meta.json`));
      assert.deepEqual(meta.ablation.shard, shard);
      assert.equal(meta.ablation.runId, plan.runs[3]!.id);
      assert.deepEqual([...Deno.readDirSync(`${dir}/locks`)], []);
    }),
});

Deno.test({
  name: "runPool() records a failure and goes on, or stops handing out runs with failFast",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPlan(async (plan, dir) => {
      const fail = (name: string) => (name === "5/s0" ? new Error(`boom ${name}`) : null);
      const calls: Calls = { ids: [], active: 0, peak: 0 };
      const s = await runPool(plan, {
        dir,
        shard,
        jobs: 2,
        spawn: inProcess(plan, dir, fakeTrain(calls, 10, fail)),
      });
      assert.equal(s.ran.length, 5);
      assert.deepEqual(s.failed.map((f) => [f.name, f.message]), [["5/s0", "boom 5/s0"]]);
      assert.equal(s.stopped, null);

      await Deno.remove(`${dir}/runs`, { recursive: true });
      const ff: Calls = { ids: [], active: 0, peak: 0 };
      const f = await runPool(plan, {
        dir,
        shard,
        jobs: 2,
        failFast: true,
        spawn: inProcess(plan, dir, fakeTrain(ff, 10, fail)),
      });
      // Runs 1 and 2 start together; 2 fails; 1 (already running) finishes; nothing else starts.
      assert.deepEqual(f.failed.map((x) => x.name), ["5/s0"]);
      assert.deepEqual(f.ran, [plan.runs[0]!.id]);
      assert.equal(ff.ids.length, 2);
    }),
});

Deno.test({
  name: "runPool() stops handing out runs at an environment error and counts the runs not started",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPlan(async (plan, dir) => {
      const calls: Calls = { ids: [], active: 0, peak: 0 };
      const full = (name: string) =>
        name === "5/s0"
          ? new EnvironmentError("No space left on /x", "ENOSPC", "/x", EXIT.ioError)
          : null;
      const events: RunnerEvent[] = [];
      const s = await runPool(plan, {
        dir,
        shard,
        jobs: 2,
        spawn: inProcess(plan, dir, fakeTrain(calls, 10, full)),
        onEvent: (e) => events.push(e),
      });
      assert.deepEqual(s.stopped, {
        message: "No space left on /x",
        exitCode: EXIT.ioError,
        notStarted: 4,
      });
      assert.deepEqual(s.ran, [plan.runs[0]!.id], "the run in progress finished");
      assert.equal(calls.ids.length, 2);
      const stopped = events.find((e) => e.type === "stopped");
      assert.ok(stopped && stopped.type === "stopped" && stopped.notStarted === 4);
    }),
});

Deno.test({
  name: "runPool(): a worker dying during a run fails that run and is replaced",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPlan(async (plan, dir) => {
      const calls: Calls = { ids: [], active: 0, peak: 0 };
      const spawned: number[] = [];
      const s = await runPool(plan, {
        dir,
        shard,
        jobs: 2,
        spawn: inProcess(plan, dir, fakeTrain(calls, 10, () => null), {
          crash: (name) => name === "7/s0",
          spawned,
        }),
      });
      assert.equal(s.ran.length, 5);
      assert.equal(s.failed.length, 1);
      assert.equal(s.failed[0]!.name, "7/s0");
      assert.match(s.failed[0]!.message, /worker process 10\d\d ended with signal SIGKILL during/);
      assert.equal(spawned.length, 3, "a third worker replaced the dead one");
    }),
});

Deno.test({
  name: "runPool(): workers that die before reporting anything are an error, not failed runs",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPlan(async (plan, dir) => {
      const calls: Calls = { ids: [], active: 0, peak: 0 };
      await assert.rejects(
        runPool(plan, {
          dir,
          shard,
          jobs: 2,
          spawn: inProcess(plan, dir, fakeTrain(calls, 10, () => null), { mute: true }),
        }),
        /worker process 100\d \(slot \d\) ended with exit code 1 before reporting anything/,
      );
      assert.equal(calls.ids.length, 0);
    }),
});

Deno.test({
  name: "runPool(): aborting reaches every worker; runs in progress end interrupted",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPlan(async (plan, dir) => {
      const calls: Calls = { ids: [], active: 0, peak: 0 };
      const ac = new AbortController();
      const events: RunnerEvent[] = [];
      const pool = runPool(plan, {
        dir,
        shard,
        jobs: 2,
        signal: ac.signal,
        spawn: inProcess(plan, dir, fakeTrain(calls, 200, () => null)),
        onEvent: (e) => events.push(e),
      });
      while (calls.active < 2) await sleep(5);
      ac.abort();
      const s = await pool;
      assert.equal(s.interrupted, true);
      assert.deepEqual(s.ran, []);
      assert.equal(events.filter((e) => e.type === "interrupted").length, 2);
      assert.equal(calls.ids.length, 2, "no run started after the signal");
    }),
});

Deno.test("resolveJobs(): --jobs, else SLAK_JOBS, else the cores (at least 1)", () => {
  const env = (v: Record<string, string>) => (k: string) => v[k];
  assert.deepEqual(resolveJobs(3, env({ SLAK_JOBS: "5" }), 8), { jobs: 3, source: "--jobs" });
  assert.deepEqual(resolveJobs(undefined, env({ SLAK_JOBS: " 5 " }), 8), {
    jobs: 5,
    source: "SLAK_JOBS",
  });
  assert.deepEqual(resolveJobs(undefined, env({}), 8).jobs, 8);
  assert.deepEqual(resolveJobs(undefined, env({ SLAK_JOBS: "" }), 0).jobs, 1);
  for (const bad of ["0", "-2", "1.5", "two"]) {
    assert.throws(() => resolveJobs(undefined, env({ SLAK_JOBS: bad }), 8), /SLAK_JOBS="/);
  }
});

Deno.test("SweepProgress: counts, bar and a whole-sweep ETA from ended runs and steps", () => {
  let now = 0;
  const p = new SweepProgress(5, () => now);
  assert.equal(p.text(false), "0/5 done · 0 running · 0 failed · ETA --:--");
  p.started("a", "3/s0");
  p.started("b", "5/s0");
  p.step("a", 5, 10);
  now = 10_000; // half a run in 10 s: 4.5 runs left → 90 s
  assert.equal(p.eta(), 90);
  p.ended("a", "done");
  p.ended("b", "failed");
  p.ended("c", "elsewhere"); // found locked by another process
  p.started("d", "7/s0");
  now = 20_000; // 2 runs in 20 s, 2 left
  assert.equal(p.eta(), 20);
  assert.equal(p.text(false), "1/4 done · 1 running · 1 failed · ETA 00:20");
  assert.equal(
    p.text(true),
    "[############------------] 1/4 done · 1 running · 1 failed · ETA 00:20 · 7/s0",
  );
});

Deno.test({
  name: "serveWorker(): the pipe closing under a pending assignment means the parent is gone",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withPlan(async (plan, dir) => {
      const calls: Calls = { ids: [], active: 0, peak: 0 };
      const run = plan.runs[0]!;
      // One assignment, then the end of the pipe: what a worker reads after a SIGKILLed parent.
      const input = new Blob([encodeLine({ run: run.id })]).stream();
      const exit = new AbortController(); // the CLI exits; here the run is interrupted instead
      let gone = 0;
      const lines: string[] = [];
      await serveWorker(plan, {
        dir,
        shard,
        execute: fakeTrain(calls, 50, () => null),
        input,
        write: (l) => lines.push(l),
        signal: exit.signal,
        onParentGone: () => {
          gone++;
          exit.abort();
        },
      });
      assert.equal(gone, 1);
      assert.ok(calls.ids.length <= 1);
      await assert.rejects(Deno.stat(`${dir}/runs/${run.id}/result.json`), Deno.errors.NotFound);
      assert.ok(!lines.some((l) => l.includes('"type":"done"')), "no run reported done");
    }),
});
