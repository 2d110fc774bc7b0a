/**
 * The run folder of `trainRun`: opening it (empty for a new run, the same config for a resume, a
 * lock so that two processes never train into one folder), meta.json, metrics.jsonl (appended,
 * cut back to the checkpointed length on resume), checkpoints (written only from a finite state)
 * and, last, result.json.
 *
 * @module
 */
import { checkDataSource } from "../data/preflight.ts";
import { writeWeightsFile } from "../models/weights_file.ts";
import { ConfigError, EXIT, UserError } from "../util/errors.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import { exists, isEmptyDir } from "../util/stat.ts";
import { acquireLock, heartbeat, type HeldLock, type LockInfo, releaseLock } from "../util/lock.ts";
import { type LoadedState, readState, type TrainState, writeState } from "./checkpoint.ts";
import { environmentInfo } from "./meta.ts";
import type { ResolvedTrainConfig } from "./resolve.ts";
import {
  type MetricsRecord,
  NonFiniteError,
  type RunFiles,
  runFiles,
  type TrainResult,
  type TrainRunOptions,
} from "./run_types.ts";
import type { Trainer } from "./trainer.ts";
import type { SegEpochRecord, SegTrainResult } from "./seg_types.ts";
import type { HostTensor } from "../io/mod.ts";
import type { Model } from "../models/model.ts";

/**
 * What a checkpoint is taken from: a {@link Trainer} or the segmentation trainer. `weightsFile`,
 * when present, gives the weights file's content (default: the model's official state_dict).
 */
export type CheckpointSource =
  & Pick<Trainer, "firstNonFiniteState" | "scalars" | "liveTensors" | "model">
  & {
    sparse: { masks: ReadonlyMap<string, Uint8Array> } | null;
    weightsFile?: () => Promise<
      { model: Model; state: Map<string, HostTensor>; metadata: Record<string, string> }
    >;
  };

/** The config as written to config.json (key order stable). */
function configJson(config: ResolvedTrainConfig): string {
  return JSON.stringify(config, null, 2) + "\n";
}

/**
 * Throws the "not empty" UserError when `outDir` holds anything and `resume` is off (a missing
 * folder is fine). `RunFolder.open` calls it; the CLI calls it before selecting a backend.
 */
export async function checkOutFolder(outDir: string, resume: boolean): Promise<void> {
  if (resume || await isEmptyDir(outDir)) return;
  throw new UserError(
    `Output folder ${outDir} is not empty; pass --resume to continue the run in it, ` +
      `or choose a new folder`,
  );
}

function holderText(h: LockInfo | null): string {
  if (h === null) return "another process (its lock is being written)";
  return `process ${h.pid} on ${h.host} (since ${h.acquired})`;
}

/** Why a checkpoint is written. */
export type CheckpointReason = "epoch" | "steps" | "signal";

/** An open run folder, locked by this process until {@link RunFolder.close}. */
export class RunFolder {
  /** Paths of the folder's files. */
  readonly files: RunFiles;
  /** The saved state when resuming (null for a new run). */
  readonly loaded: LoadedState | null;
  readonly #lock: HeldLock;
  readonly #meta: Record<string, unknown>;
  #lastGoodStep: number | null;
  #lastBeat = Date.now();

  private constructor(
    files: RunFiles,
    lock: HeldLock,
    loaded: LoadedState | null,
    meta: Record<string, unknown>,
  ) {
    this.files = files;
    this.#lock = lock;
    this.loaded = loaded;
    this.#meta = meta;
    this.#lastGoodStep = loaded?.state.step ?? null;
  }

  /**
   * Opens `opts.outDir` for `config`: the finished result when resuming a finished run, else the
   * locked folder, after checking the data paths (nothing is created for a missing data set) (config.json and meta.json written, metrics.jsonl cut back or emptied).
   *
   * @throws UserError for a non-empty folder without `resume` or a folder another live process
   *   trains into; ConfigError for a config that differs from the run being resumed
   */
  static async open(
    config: ResolvedTrainConfig,
    opts: TrainRunOptions,
  ): Promise<{ done: TrainResult } | { folder: RunFolder }> {
    const files = runFiles(opts.outDir);
    const resume = opts.resume ?? false;
    if (resume && await exists(files.result)) return { done: await readResult(files.result) };
    await checkDataSource(config.data);
    await checkOutFolder(opts.outDir, resume);
    await Deno.mkdir(files.checkpoints, { recursive: true });
    const got = acquireLock(files.lock);
    if (!got.ok) {
      throw new UserError(
        `${opts.outDir} is in use: ${holderText(got.holder)} is training into it; ` +
          `wait for it to finish or stop it (a lock left by a killed process is taken over)`,
        EXIT.tempFail,
      );
    }
    try {
      // Another process may have finished the run between the check above and the lock.
      if (resume && await exists(files.result)) {
        releaseLock(got.lock);
        return { done: await readResult(files.result) };
      }
      let loaded: LoadedState | null = null;
      if (resume && await exists(files.state)) {
        if (await exists(files.config)) {
          const prev = await Deno.readTextFile(files.config);
          if (prev !== configJson(config)) {
            throw new ConfigError(
              `Cannot resume ${opts.outDir}: its config.json differs from the given config ` +
                `(resume with the same config and --set values)`,
            );
          }
        }
        loaded = await readState(files.state);
      }
      const meta = await startMeta(config, opts, files.meta, loaded !== null);
      await Deno.writeTextFile(files.config, configJson(config));
      await writeJsonAtomic(files.meta, meta);
      if (loaded) {
        const f = await Deno.open(files.metrics, { write: true, create: true });
        await f.truncate(loaded.state.metricsBytes);
        f.close();
      } else {
        await Deno.writeTextFile(files.metrics, "");
      }
      return { folder: new RunFolder(files, got.lock, loaded, meta) };
    } catch (e) {
      releaseLock(got.lock);
      throw e;
    }
  }

  /** Appends one record to metrics.jsonl; returns the bytes written. */
  async appendMetrics(rec: MetricsRecord | SegEpochRecord): Promise<number> {
    const line = new TextEncoder().encode(JSON.stringify(rec) + "\n");
    await Deno.writeFile(this.files.metrics, line, { append: true });
    return line.length;
  }

  /** Refreshes the lock's heartbeat at most once a minute (for readers on other hosts). */
  async beat(): Promise<void> {
    if (Date.now() - this.#lastBeat < 60_000) return;
    this.#lastBeat = Date.now();
    await heartbeat(this.#lock);
  }

  /** Where the last good checkpoint is, for error messages. */
  lastGoodText(): string {
    return this.#lastGoodStep === null
      ? `no checkpoint had been written yet`
      : `the last good checkpoint (step ${this.#lastGoodStep}) is kept in ${this.files.checkpoints}`;
  }

  /**
   * Writes last.safetensors (and best.safetensors when `best`) and the state file, after checking
   * that every tensor of the state is finite.
   *
   * @throws NonFiniteError (nothing written) when a parameter, buffer, moment or EMA tensor holds
   *   a NaN or Inf
   */
  async checkpoint(trainer: CheckpointSource, st: TrainState, best: boolean): Promise<void> {
    const bad = await trainer.firstNonFiniteState();
    if (bad !== null) {
      throw new NonFiniteError(
        `non-finite values in layer ${bad} at step ${st.step}: not checkpointed; ` +
          `${this.lastGoodText()} (lower optimizer.lr?)`,
      );
    }
    Object.assign(st, trainer.scalars());
    const extra = { "slak.step": String(st.step), "slak.epoch": String(st.completedEpochs) };
    const w = trainer.weightsFile ? await trainer.weightsFile() : null;
    const meta = { ...extra, ...w?.metadata };
    await writeWeightsFile(this.files.last, w?.model ?? trainer.model, meta, w?.state);
    if (best) await writeWeightsFile(this.files.best, w?.model ?? trainer.model, meta, w?.state);
    await writeState(
      this.files.state,
      st,
      trainer.liveTensors(),
      trainer.sparse?.masks ?? new Map(),
    );
    this.#lastGoodStep = st.step;
    this.#lastBeat = Date.now();
    await heartbeat(this.#lock);
  }

  /** Writes meta.json with its end time, then result.json (whose presence means done). */
  async finish(result: TrainResult | SegTrainResult): Promise<void> {
    this.#meta.end = new Date().toISOString();
    await writeJsonAtomic(this.files.meta, this.#meta);
    await writeJsonAtomic(this.files.result, result);
  }

  /** Releases the folder's lock. */
  close(): void {
    releaseLock(this.#lock);
  }
}

async function readResult(path: string): Promise<TrainResult> {
  return JSON.parse(await Deno.readTextFile(path)) as TrainResult;
}

/** meta.json, kept across resumes: the first start, resume times appended. */
async function startMeta(
  config: ResolvedTrainConfig,
  opts: TrainRunOptions,
  path: string,
  resumed: boolean,
): Promise<Record<string, unknown>> {
  const now = new Date().toISOString();
  const meta: Record<string, unknown> = {
    seed: config.run.seed,
    ...(await environmentInfo()),
    ...opts.meta,
    start: now,
    end: null,
    resumes: [] as string[],
  };
  if (resumed && await exists(path)) {
    const prev = JSON.parse(await Deno.readTextFile(path));
    return { ...meta, start: prev.start ?? now, resumes: [...(prev.resumes ?? []), now] };
  }
  return meta;
}
