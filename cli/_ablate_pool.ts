/**
 * `slak ablate --jobs N`: how many worker processes (`--jobs`, else SLAK_JOBS, else the number of
 * cores), how to start them (this Deno with this process's own flags, running the CLI's hidden
 * `ablate ... --worker` mode), the parent's aggregated progress on stderr (a redrawn bar on a
 * terminal: runs done / running / failed and the whole-sweep ETA; one line per event elsewhere),
 * its signal handling (the first SIGINT/SIGTERM reaches every worker, which checkpoints its run;
 * a second one kills them), and the worker's side of the pipe.
 *
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type EnvGet,
  type Plan,
  readPlan,
  type RunnerEvent,
  type RunSummary,
  type ShardInfo,
} from "../lib/experiments/mod.ts";
import { runPool } from "../lib/experiments/pool.ts";
import { spawnWorkerProcess } from "../lib/experiments/pool_process.ts";
import { serveWorker } from "../lib/experiments/pool_worker.ts";
import type { BackendName } from "../lib/ops/mod.ts";
import type { TrainProgress } from "../lib/train/mod.ts";
import { EXIT, UserError } from "../lib/util/errors.ts";
import { epochLine, eventLine } from "./_ablate_lines.ts";
import { trainExecutor } from "./_ablate_train.ts";
import type { CommonFlags } from "./_common.ts";
import { StatusLine, SweepProgress } from "./_progress.ts";

// A path in a checkout; the URL itself when the CLI runs from a URL (`deno run` takes either).
const MAIN = import.meta.url.startsWith("file:")
  ? fileURLToPath(new URL("./main.ts", import.meta.url))
  : new URL("./main.ts", import.meta.url).href;
const SIGNALS: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];

/** The number of worker processes and where it came from. */
export interface Jobs {
  /** Worker processes (1: the runs run in this process). */
  jobs: number;
  /** `--jobs`, `SLAK_JOBS` or `the number of cores`. */
  source: string;
}

/** `--jobs`, else SLAK_JOBS (a positive integer), else the number of cores (at least 1). */
export function resolveJobs(
  flag: number | undefined,
  env: EnvGet,
  cores: number = navigator.hardwareConcurrency,
): Jobs {
  if (flag !== undefined) return { jobs: flag, source: "--jobs" };
  const v = env("SLAK_JOBS");
  if (v !== undefined && v.trim() !== "") {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 1) {
      throw new UserError(`SLAK_JOBS="${v}": expected a positive integer (worker processes)`);
    }
    return { jobs: n, source: "SLAK_JOBS" };
  }
  return { jobs: Math.max(1, Math.floor(cores) || 1), source: "the number of cores" };
}

/**
 * The Deno flags for the workers: this process's own (from /proc/self/cmdline: `deno run FLAGS
 * main.ts ...`), else `-A --unstable-webgpu`; null when this process runs with restricted
 * permissions, which the workers could not be given exactly (the sweep then runs in-process).
 */
export function workerDenoFlags(): string[] | null {
  const names = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;
  for (const name of names) {
    const st = Deno.permissions.querySync({ name } as Deno.PermissionDescriptor);
    if (st.state !== "granted" || st.partial) return null;
  }
  try {
    const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
    const main = fileURLToPath(Deno.mainModule);
    const at = argv.findIndex((a, k) => k >= 2 && !a.startsWith("-") && resolve(a) === main);
    if (argv[1] === "run" && at > 0) {
      return argv.slice(2, at).filter((f) => !/^--(watch|hmr|inspect)/.test(f));
    }
  } catch { /* no /proc, or not started from a file */ }
  return ["-A", "--unstable-webgpu"];
}

/** What the workers need to expand the same plan as the parent. */
export interface WorkerArgs {
  /** The ablation name or spec file, as given. */
  name: string;
  /** The plan's scale. */
  scale: string;
  /** The sweep folder. */
  dir: string;
  /** `--seeds`, if given. */
  seeds: number | undefined;
  /** `--set` overrides, in order. */
  sets: readonly string[];
  /** `--shard`, if given (else the workers read the same environment). */
  shard: string | undefined;
  /** The backend each worker selects. */
  backend: BackendName;
  /** Kernel threads of each worker (`--threads`), if set. */
  threads?: number | undefined;
}

/** The command line of a worker: the CLI's hidden `ablate ... --worker` mode. */
export function workerArgv(denoFlags: readonly string[], a: WorkerArgs): string[] {
  return [
    Deno.execPath(),
    "run",
    ...denoFlags,
    MAIN,
    "ablate",
    a.name,
    "--scale",
    a.scale,
    "--out",
    a.dir,
    ...(a.seeds !== undefined ? ["--seeds", String(a.seeds)] : []),
    ...a.sets.flatMap((s) => ["--set", s]),
    ...(a.shard !== undefined ? ["--shard", a.shard] : []),
    "--backend",
    a.backend,
    ...(a.threads !== undefined ? ["--threads", String(a.threads)] : []),
    "--quiet",
    "--worker",
  ];
}

/** Cuts a status text to the terminal's width (a wrapped status line cannot be redrawn). */
function fitWidth(text: string): string {
  let columns = 0;
  try {
    columns = Deno.consoleSize().columns;
  } catch { /* not a terminal */ }
  return columns > 1 && text.length >= columns ? `${text.slice(0, columns - 2)}…` : text;
}

/** Options of {@link runParallel}. */
export interface ParallelOptions {
  /** The sweep folder. */
  dir: string;
  /** This process's shard. */
  shard: ShardInfo;
  /** `--only`, parsed. */
  only: Record<string, string[]>;
  /** The runs of this shard (after `--only`). */
  runs: number;
  /** Worker processes. */
  jobs: number;
  /** Stop handing out runs after the first failure. */
  failFast: boolean;
  /** A worker's command line ({@link workerArgv}). */
  argv: string[];
  /** `--quiet`. */
  flags: CommonFlags;
}

/** Runs this shard's runs on worker processes, showing one aggregated progress view. */
export async function runParallel(plan: Plan, o: ParallelOptions): Promise<RunSummary> {
  const status = new StatusLine();
  const quiet = !!o.flags.quiet;
  const progress = new SweepProgress(o.runs);
  let shown = "";
  /** A line above the status (progress lines only without --quiet; workers' own text always). */
  const line = (text: string, always = false): void => {
    if (quiet && !always) return;
    status.line(text);
    shown = "";
  };
  const redraw = () => {
    const text = fitWidth(progress.text(true));
    if (text !== shown) status.status(text);
    shown = text;
  };
  const counts = () => (status.tty ? "" : ` · ${progress.text(false)}`);
  const onEvent = (e: RunnerEvent) => {
    const id = e.run.id;
    if (e.type === "progress") {
      const p = e.progress as TrainProgress;
      if (p.type === "step") progress.step(id, p.step, p.totalSteps);
      else if (p.type === "epoch") line(epochLine(p, `${e.run.name}: `));
      else if (p.type === "checkpoint" && p.reason === "signal") {
        line(`    ${e.run.name}: checkpoint written at step ${p.step}`);
      }
    } else if (e.type === "start") {
      progress.started(id, e.run.name);
      line(eventLine(e));
    } else if (e.type === "done" || e.type === "fail") {
      progress.ended(id, e.type === "done" ? "done" : "failed");
      line(eventLine(e) + counts());
    } else {
      if (e.type === "interrupted") progress.ended(id, "interrupted");
      else if (e.type === "skip" || e.type === "busy") progress.ended(id, "elsewhere");
      line(eventLine(e));
    }
    if (status.tty && !quiet) redraw();
  };

  const ac = new AbortController();
  const hard = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) {
      hard.abort();
      Deno.exit(EXIT.interrupted);
    }
    line("stopping: every worker checkpoints its run (signal again to kill)");
    ac.abort();
  };
  for (const s of SIGNALS) Deno.addSignalListener(s, onSignal);
  try {
    return await runPool(plan, {
      dir: o.dir,
      shard: o.shard,
      only: o.only,
      jobs: o.jobs,
      failFast: o.failFast,
      signal: ac.signal,
      killSignal: hard.signal,
      onEvent,
      onSpawn: (k, pid) => line(`  worker ${k + 1}: pid ${pid}`),
      spawn: (k, onMessage) =>
        spawnWorkerProcess(o.argv, {
          onMessage,
          onText: (text) => line(`  [worker ${k + 1}] ${text}`, true),
        }),
    });
  } finally {
    status.clear();
    for (const s of SIGNALS) Deno.removeSignalListener(s, onSignal);
  }
}

function writeOut(text: string): void {
  const data = new TextEncoder().encode(text);
  let off = 0;
  while (off < data.length) off += Deno.stdout.writeSync(data.subarray(off));
}

/**
 * The worker mode (`slak ablate ... --worker`): serves the parent's assignments on stdin/stdout;
 * a signal interrupts the current run after a checkpoint; a parent that vanished mid-run makes it
 * exit at once (its lock is then stale and the run resumes from its last checkpoint).
 */
export async function runWorker(
  plan: Plan,
  dir: string,
  shard: ShardInfo,
  backend: BackendName,
): Promise<void> {
  if (readPlan(dir)?.specHash !== plan.specHash) {
    throw new Error(`worker: ${dir}/plan.json is not the plan of this sweep (${plan.specHash})`);
  }
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  for (const s of SIGNALS) Deno.addSignalListener(s, onSignal);
  try {
    const { execute, meta } = await trainExecutor(backend, { quiet: true });
    await serveWorker(plan, {
      dir,
      shard,
      execute,
      meta,
      input: Deno.stdin.readable,
      write: writeOut,
      signal: ac.signal,
      onParentGone: () => Deno.exit(EXIT.interrupted),
    });
  } finally {
    for (const s of SIGNALS) Deno.removeSignalListener(s, onSignal);
  }
}
