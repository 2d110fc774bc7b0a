/**
 * The kernel thread pool: N − 1 module Workers over the shared kernel memory (memory.ts) plus the
 * calling thread, which publishes a job in the control block (protocol.ts), runs parts itself and
 * blocks in `Atomics.wait` until every part is done (tfjs kernels are synchronous). Nothing is
 * posted per job. Parts are fixed by the job size and thread count and each owns its outputs, so
 * results are bit-identical for every N (a part may run on any thread).
 *
 * Threads start on the first job that wants them; a thread still starting simply claims nothing.
 * After {@link IDLE_MS} without jobs the threads are stopped and terminated (an unref'd timer), so
 * an idle pool never keeps the process alive; {@link shutdownThreads} stops them at once.
 *
 * The thread count comes from {@link setThreadCount}, else `SLAK_THREADS`, else 1 (commands set it
 * from `--threads`, default the number of cores).
 *
 * @module
 */
import { KernelCache, type ModuleSpec, TASKS } from "./kernels.ts";
import { kernelMemory } from "./memory.ts";
import { MAX_PARTS, partCount } from "./partition.ts";
import { claimBase, CONTROL_BYTES, MAX_ARGS, SLOT, type StartMessage } from "./protocol.ts";
import { type Control, controlViews, runClaimedParts } from "./run_parts.ts";

/** Idle time after which the kernel threads are stopped (they restart on the next job). */
export const IDLE_MS = 1000;
/** Jobs with less work than this (multiply-adds, roughly) run on the calling thread alone. */
export const MIN_PARALLEL_WORK = 1 << 20;
/** Most threads (the partition and the claim word allow more; this bounds mistakes). */
export const MAX_THREADS = 256;

let configured: number | null = null;

/**
 * The thread count from `SLAK_THREADS` (null when unset or unreadable); throws a plain Error on a
 * malformed value (commands validate it first as a user error: cli/_common.ts).
 */
function envThreads(): number | null {
  let v: string | undefined;
  try {
    v = Deno.env.get("SLAK_THREADS");
  } catch {
    return null;
  }
  if (v === undefined || v.trim() === "") return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new Error(`SLAK_THREADS=${v}: expected an integer from 1 to ${MAX_THREADS}`);
  }
  return n;
}

/** Threads the wasm kernels use (calling thread included). */
export function threadCount(): number {
  configured ??= envThreads() ?? 1;
  return configured;
}

/**
 * Sets the kernel thread count (≥ 1). A running pool with fewer threads is stopped (and restarts
 * bigger on the next job); a bigger one is kept, its extra threads sitting out the jobs.
 */
export function setThreadCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new Error(`thread count ${n}: expected an integer from 1 to ${MAX_THREADS}`);
  }
  if (pool !== null && pool.target < n - 1) shutdownThreads();
  configured = n;
}

interface Pool {
  workers: Worker[];
  /** Kernel threads wanted (started one, then the rest: {@link topUp}). */
  target: number;
  control: Control;
  job: number;
  lastUsed: number;
  timer: ReturnType<typeof setTimeout> | null;
}

let pool: Pool | null = null;
let mainCache: KernelCache | null = null;
/** Set when workers cannot be created here: everything stays on the calling thread. */
let unavailable = false;

/** The calling thread's instances of the kernel modules. */
export function kernelInstance(spec: ModuleSpec) {
  mainCache ??= new KernelCache(kernelMemory());
  return mainCache.get(spec);
}

/** Starts kernel thread `index` (0-based) of pool `p`; false when Workers are unavailable. */
function spawnWorker(p: Pool, index: number): boolean {
  try {
    const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    w.onerror = (e) => {
      // a thread that fails to load claims nothing: the calling thread runs its parts
      e.preventDefault();
      console.error(`slak: kernel thread ${index + 1} failed: ${e.message}`);
    };
    p.workers.push(w);
    const msg: StartMessage = { memory: kernelMemory().memory, control: p.control.buffer, index };
    w.postMessage(msg);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the remaining kernel threads once the first one runs: the first loads (and, under
 * `deno test`, type-checks) the worker module alone; concurrent first loads were seen to stall.
 */
function topUp(p: Pool): void {
  if (p.workers.length >= p.target || Atomics.load(p.control.i32, SLOT.ready) < 1) return;
  while (p.workers.length < p.target) {
    if (!spawnWorker(p, p.workers.length)) return;
  }
}

function startPool(threads: number): Pool | null {
  if (!kernelMemory().shared || unavailable) return null;
  const buf = new SharedArrayBuffer(CONTROL_BYTES);
  const p: Pool = {
    workers: [],
    target: threads - 1,
    control: controlViews(buf),
    job: 0,
    lastUsed: performance.now(),
    timer: null,
  };
  if (!spawnWorker(p, 0)) {
    unavailable = true;
    return null;
  }
  return p;
}

/** Stops and terminates the kernel threads now (they restart on the next parallel job). */
export function shutdownThreads(): void {
  const p = pool;
  if (p === null) return;
  pool = null;
  if (p.timer !== null) clearTimeout(p.timer);
  Atomics.store(p.control.i32, SLOT.stop, 1);
  Atomics.add(p.control.i32, SLOT.job, 1);
  Atomics.notify(p.control.i32, SLOT.job);
  for (const w of p.workers) w.terminate();
}

function armIdleTimer(p: Pool): void {
  if (p.timer !== null) return;
  const wait = Math.max(10, IDLE_MS - (performance.now() - p.lastUsed));
  const timer = setTimeout(() => {
    p.timer = null;
    if (pool !== p) return;
    if (performance.now() - p.lastUsed >= IDLE_MS) shutdownThreads();
    else armIdleTimer(p);
  }, wait);
  Deno.unrefTimer(timer);
  p.timer = timer;
}

/** Kernel threads that have started and wait for jobs (0 when no pool is running). */
export function readyThreads(): number {
  if (pool !== null) topUp(pool);
  return pool === null ? 0 : Atomics.load(pool.control.i32, SLOT.ready);
}

/** Kernel threads of the running pool (0 when none runs). */
export function poolThreads(): number {
  return pool === null ? 0 : pool.workers.length;
}

/**
 * Starts the kernel threads now (they otherwise start on the first parallel job); false when
 * threads are unavailable here or the count is 1.
 */
export function startThreads(): boolean {
  if (threadCount() <= 1) return false;
  pool ??= startPool(threadCount());
  if (pool !== null) {
    pool.lastUsed = performance.now();
    armIdleTimer(pool);
  }
  return pool !== null;
}

/** Counters of parallel jobs since the process started (for tests and benchmarks). */
export const jobStats: { jobs: number; parts: number; partsOnThreads: number } = {
  jobs: 0,
  parts: 0,
  partsOnThreads: 0,
};

/**
 * Runs task `task` of module `spec` over [0, total) with `args`: on the calling thread alone when
 * there is one thread, the job is small (`work` < {@link MIN_PARALLEL_WORK}) or threads are
 * unavailable; else split into fixed parts shared with the kernel threads. Returns false when the
 * module does not instantiate here (the caller falls back), true when the job ran.
 */
export function runKernelJob(
  spec: ModuleSpec,
  task: number,
  args: readonly number[],
  total: number,
  work: number,
): boolean {
  const ex = kernelInstance(spec);
  if (ex === null) return false;
  if (total <= 0) return true;
  const threads = threadCount();
  if (threads <= 1 || total < 2 || work < MIN_PARALLEL_WORK) {
    TASKS[task]!(ex, args, 0, total);
    return true;
  }
  pool ??= startPool(threads);
  const p = pool;
  if (p === null) {
    TASKS[task]!(ex, args, 0, total);
    return true;
  }
  topUp(p);
  if (args.length > MAX_ARGS) throw new Error(`kernel threads: ${args.length} arguments`);
  const parts = Math.min(partCount(total, threads), MAX_PARTS);
  const c = p.control;
  c.args.set(args);
  c.i32[SLOT.task] = task;
  c.i32[SLOT.parts] = parts;
  c.i32[SLOT.total] = total;
  c.i32[SLOT.modKind] = spec.kind;
  c.i32[SLOT.modA] = spec.a;
  c.i32[SLOT.modB] = spec.b;
  c.i32[SLOT.modFma] = spec.fma ? 1 : 0;
  c.i32[SLOT.active] = threads;
  Atomics.store(c.i32, SLOT.done, 0);
  Atomics.store(c.i32, SLOT.error, 0);
  p.job = (p.job + 1) | 0;
  Atomics.store(c.i32, SLOT.claim, claimBase(p.job));
  Atomics.store(c.i32, SLOT.job, p.job);
  Atomics.notify(c.i32, SLOT.job);
  let failure: unknown = null;
  let ranHere = 0;
  try {
    ranHere = runClaimedParts(c, p.job, ex);
  } catch (e) {
    failure = e;
  }
  for (let d = Atomics.load(c.i32, SLOT.done); d < parts; d = Atomics.load(c.i32, SLOT.done)) {
    Atomics.wait(c.i32, SLOT.done, d);
  }
  jobStats.jobs++;
  jobStats.parts += parts;
  jobStats.partsOnThreads += parts - ranHere;
  p.lastUsed = performance.now();
  armIdleTimer(p);
  if (failure !== null) throw failure;
  if (Atomics.load(c.i32, SLOT.error) !== 0) {
    throw new Error("kernel threads: a part failed on a kernel thread (see stderr)");
  }
  return true;
}
