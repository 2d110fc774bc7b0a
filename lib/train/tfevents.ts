/**
 * TensorBoard event files of a training run (`events.out.tfevents.<unix seconds>.<host>` in the
 * run folder), readable by TensorBoard, `wandb sync` and Aim: a TFRecord file
 * (lib/io/tfrecord.ts) of Event messages (tfevents_proto.ts), the first holding the file version
 * `brain.Event:2`, each later one a summary of scalars at a step.
 *
 * Resume: every start of a run opens a NEW event file (never appending to an old one, whose last
 * record a crash may have cut short). A resumed run first writes a SessionLog START event at the
 * first step it will recompute (checkpointed step + 1): TensorBoard then drops the events the
 * interrupted run wrote at or after that step, so each step is shown once, as in metrics.jsonl
 * (which is cut back to the checkpoint).
 *
 * Every record is appended with one write, so a reader never sees a half-written record except
 * at the end of a file whose writer died.
 *
 * @module
 */
import { decodeRecords, encodeRecord } from "../io/tfrecord.ts";
import {
  decodeEvent,
  encodeEvent,
  type ScalarValue,
  SESSION_START,
  type TfEvent,
} from "./tfevents_proto.ts";
import type { EpochRecord, StepRecord, TopologyRecord } from "./run_types.ts";

export type { ScalarValue, TfEvent } from "./tfevents_proto.ts";

/** File version of the first record, as TensorFlow 2 writes it. */
export const FILE_VERSION = "brain.Event:2";
/** Prefix of every event file name. */
export const EVENT_FILE_PREFIX = "events.out.tfevents.";

/** `events.out.tfevents.<unix seconds>.<host>` (characters other than [A-Za-z0-9._-] → `_`). */
export function eventFileName(unixSeconds: number, host: string): string {
  const safe = host.replace(/[^A-Za-z0-9._-]/g, "_") || "localhost";
  return `${EVENT_FILE_PREFIX}${Math.floor(unixSeconds)}.${safe}`;
}

/** Options of {@link EventWriter.open}. */
export interface EventWriterOptions {
  /** Step the run resumes from (its checkpoint's step); null or absent for a fresh run. */
  resumedAt?: number | null;
  /** Clock in milliseconds since the Unix epoch (default `Date.now`). */
  now?: () => number;
  /** Host name in the file name (default `Deno.hostname()`, `localhost` without --allow-sys). */
  host?: string;
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/** Appends scalar summaries to one new event file. */
export class EventWriter {
  /** Path of the event file. */
  readonly path: string;
  readonly #now: () => number;

  private constructor(path: string, now: () => number) {
    this.path = path;
    this.#now = now;
  }

  /**
   * Creates a new event file in `dir` (a `.1`, `.2` ... suffix when the name is taken) and writes
   * its version record, plus the SessionLog START record of a resumed run.
   */
  static async open(dir: string, opts: EventWriterOptions = {}): Promise<EventWriter> {
    const now = opts.now ?? Date.now;
    const base = `${dir}/${eventFileName(now() / 1000, opts.host ?? hostName())}`;
    for (let n = 0;; n++) {
      const path = n === 0 ? base : `${base}.${n}`;
      let f: Deno.FsFile;
      try {
        f = await Deno.open(path, { write: true, createNew: true });
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) continue;
        throw e;
      }
      f.close();
      const w = new EventWriter(path, now);
      await w.write({ wallTime: now() / 1000, step: 0, fileVersion: FILE_VERSION });
      const at = opts.resumedAt ?? null;
      if (at !== null) {
        await w.write({
          wallTime: now() / 1000,
          step: at + 1,
          sessionStatus: SESSION_START,
          sessionMsg: `resumed from the checkpoint at step ${at}`,
        });
      }
      return w;
    }
  }

  /** Appends one summary event with `values` at `step` (non-finite values are left out). */
  async scalars(step: number, values: readonly ScalarValue[]): Promise<void> {
    const finite = values.filter((v) => Number.isFinite(v.value));
    if (finite.length === 0) return;
    await this.write({ wallTime: this.#now() / 1000, step, values: finite });
  }

  /** Appends `ev` as one TFRecord (one write). */
  async write(ev: TfEvent): Promise<void> {
    await Deno.writeFile(this.path, encodeRecord(encodeEvent(ev)), { append: true });
  }
}

/**
 * Reads an event file: every event, CRCs verified (a DataError names a mismatch); a record cut
 * short at the end (a writer that died) is ignored, as TensorBoard does.
 */
export async function readEventFile(path: string): Promise<TfEvent[]> {
  const bytes = await Deno.readFile(path);
  const { records } = decodeRecords(bytes, path);
  return records.map((r, i) => decodeEvent(r, `${path} record ${i}`));
}

/** Names of the event files in `dir`, sorted (oldest first for same-host files). */
export function eventFilesIn(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile && e.name.startsWith(EVENT_FILE_PREFIX)) out.push(e.name);
  }
  return out.sort();
}

/** Values that are numbers; nulls left out. */
function present(pairs: [string, number | null | undefined][]): ScalarValue[] {
  return pairs.filter((p): p is [string, number] => typeof p[1] === "number")
    .map(([tag, value]) => ({ tag, value }));
}

/** TensorBoard scalars of an epoch record (tags `epoch/...`). */
export function epochScalars(rec: EpochRecord): ScalarValue[] {
  return present([
    ["epoch/train_loss", rec.loss],
    ["epoch/test_loss", rec.evalLoss],
    ["epoch/top1", rec.top1],
    ["epoch/top5", rec.top5],
    ["epoch/ema_top1", rec.ema?.top1],
    ["epoch/recalibrated_top1", rec.recalibrated?.top1],
    ["epoch/lr", rec.lr],
    ["epoch/density", rec.density],
    ["epoch/img_per_sec", rec.imgPerSec],
  ]);
}

/** TensorBoard scalars of a per-step record (`--log-every K`; tags `step/...`). */
export function stepScalars(rec: StepRecord): ScalarValue[] {
  return present([
    ["step/loss", rec.loss],
    ["step/lr", rec.lr],
    ["step/density", rec.density],
    ["step/img_per_sec", rec.imgPerSec],
  ]);
}

/** TensorBoard scalars of a prune-and-grow update (tags `topology/...`). */
export function topologyScalars(rec: TopologyRecord): ScalarValue[] {
  return present([
    ["topology/density", rec.density],
    ["topology/prune_rate", rec.pruneRate],
  ]);
}
