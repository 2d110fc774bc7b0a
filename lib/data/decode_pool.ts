/**
 * A pool of Workers that read, decode and transform ImageFolder images in parallel
 * (lib/data/decode_worker.ts), so JPEG decoding and the paper's augmentation run on several
 * cores while the training step runs. Tasks are plain data (file, size, transform, generator
 * state); results are transferred back, not copied. Workers are started on first use and stopped
 * after `idleMs` without work (by a timer that does not keep the process alive), or by `close()`.
 *
 * @module
 */
import type { PaperTrainTransform } from "./config_types.ts";
import type { Normalize } from "./types.ts";
import type { RngState } from "../util/rng.ts";
import { DataError } from "../util/errors.ts";

/** One image to prepare. */
export interface DecodeTask {
  /** Task id (answers carry it back). */
  id: number;
  /** Image file. */
  file: string;
  /** Output side. */
  size: number;
  /** The paper transform and the sample's generator state; null = eval resize to bytes. */
  paper: { transform: PaperTrainTransform; normalize: Normalize; rngState: RngState } | null;
}

/** A worker's answer. */
export interface DecodeResult {
  /** The task's id. */
  id: number;
  /** Eval resize: `size`×`size`×3 bytes. */
  pixels?: Uint8Array;
  /** Paper transform: normalised `size`×`size`×3 floats. */
  image?: Float32Array;
  /** Failure: message, and whether it is the data's fault (a DataError). */
  error?: { data: boolean; message: string };
}

interface Slot {
  worker: Worker;
  busy: number;
}

/** The number of decode workers asked for by `SLAK_DATA_WORKERS` (0 when unset or unreadable). */
export function dataWorkersFromEnv(): number {
  try {
    const v = Deno.env.get("SLAK_DATA_WORKERS");
    if (v === undefined || v === "") return 0;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 256) {
      throw new DataError(`SLAK_DATA_WORKERS=${v}: expected an integer in [0, 256]`);
    }
    return n;
  } catch (e) {
    if (e instanceof DataError) throw e;
    return 0;
  }
}

/** A pool of `size` decode workers. */
export class DecodePool {
  /** Number of workers. */
  readonly size: number;
  #slots: Slot[] = [];
  #pending = new Map<number, { resolve: (r: DecodeResult) => void; slot: Slot }>();
  #nextId = 0;
  #idleMs: number;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;

  /** A pool of `size` workers, stopped after `idleMs` without tasks. */
  constructor(size: number, idleMs = 2000) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`bad pool size ${size}`);
    this.size = size;
    this.#idleMs = idleMs;
  }

  #start(): void {
    const url = new URL("./decode_worker.ts", import.meta.url);
    for (let i = 0; i < this.size; i++) {
      const slot: Slot = { worker: new Worker(url, { type: "module" }), busy: 0 };
      slot.worker.onmessage = (e: MessageEvent<DecodeResult>) => {
        const p = this.#pending.get(e.data.id);
        if (p === undefined) return;
        this.#pending.delete(e.data.id);
        p.slot.busy--;
        p.resolve(e.data);
        if (this.#pending.size === 0) this.#armIdle();
      };
      slot.worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        for (const [id, p] of this.#pending) {
          if (p.slot !== slot) continue;
          this.#pending.delete(id);
          p.resolve({ id, error: { data: false, message: `decode worker failed: ${e.message}` } });
        }
      };
      this.#slots.push(slot);
    }
  }

  #armIdle(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    const timer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#pending.size === 0) this.#stopWorkers();
    }, this.#idleMs);
    Deno.unrefTimer(timer);
    this.#idleTimer = timer;
  }

  #stopWorkers(): void {
    for (const s of this.#slots) s.worker.terminate();
    this.#slots = [];
  }

  /**
   * Runs one task on the least busy worker.
   * @throws DataError for a file that cannot be read or decoded; Error for a worker failure
   */
  async run(task: Omit<DecodeTask, "id">): Promise<DecodeResult> {
    if (this.#slots.length === 0) this.#start();
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
    const id = this.#nextId++;
    const slot = this.#slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    const r = await new Promise<DecodeResult>((resolve) => {
      this.#pending.set(id, { resolve, slot });
      slot.worker.postMessage({ ...task, id });
    });
    if (r.error !== undefined) {
      throw r.error.data ? new DataError(r.error.message) : new Error(r.error.message);
    }
    return r;
  }

  /** Stops the workers now (pending tasks never answer). */
  close(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#pending.clear();
    this.#stopWorkers();
  }
}
