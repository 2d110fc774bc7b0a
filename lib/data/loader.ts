/**
 * The batch loader: NHWC batches in a seeded per-epoch order, with train-time augmentation, an
 * exact resumable position, one batch prepared ahead, and timing.
 *
 * Determinism. The "data" stream's state at the start of epoch e (`rngState`) fixes everything
 * in that epoch: the permutation is drawn from it first, and the sample at position p of the
 * epoch is augmented with `fork(String(p))` of the generator after the permutation (forks do not
 * advance it). The next epoch starts from `fork("next-epoch")`. A batch is therefore a pure
 * function of (rngState, epoch, cursor), independent of batch history, prefetching or resumes.
 *
 * Prefetch. After handing out a batch the loader schedules the next one as a macrotask, so it is
 * built while the caller awaits something else (GPU work, a file write); on a purely synchronous
 * caller it is built at the next `next()`. Call `close()` when done (it cancels that task).
 *
 * @module
 */
import { Rng } from "../util/rng.ts";
import type { Batch, Dataset, LoaderState, Split } from "./types.ts";

/** Options of a {@link Loader}. */
export interface LoaderOptions {
  /** Split to read. */
  split: Split;
  /** Samples per batch. */
  batchSize: number;
  /** Root seed; the order comes from its "data" stream (ignored when `state` is given). */
  seed?: number;
  /** Shuffle each epoch (default: train split only). */
  shuffle?: boolean;
  /** Apply the data set's augmentation (default: train split only). */
  augment?: boolean;
  /** Skip an epoch's last incomplete batch (default: train split only). */
  dropLast?: boolean;
  /** Build the next batch ahead of time (default true). */
  prefetch?: boolean;
  /** Resume from this position (from {@link Loader.state}). */
  state?: LoaderState;
}

/** Time spent on data, for the trainer's data share of step time. */
export interface LoaderStats {
  /** Batches handed out. */
  batches: number;
  /** Samples handed out. */
  samples: number;
  /** Milliseconds spent building batches (whether ahead of time or not). */
  produceMs: number;
  /** Milliseconds callers of `next()` waited (time data actually cost the caller). */
  waitMs: number;
}

interface EpochPlan {
  epoch: number;
  start: Rng;
  order: Int32Array;
  augRoot: Rng;
}

/** Number of batches in one epoch of `n` samples. */
export function batchesPerEpoch(n: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * Batches of a {@link Dataset}, epoch after epoch.
 * @example
 * ```ts
 * import { openDataset } from "./open_dataset.ts";
 * const ds = await openDataset({ kind: "pathfinder", trainSize: 8, testSize: 2 });
 * const loader = new Loader(ds, { split: "train", batchSize: 4, seed: 1 });
 * const b = await loader.next();
 * loader.close();
 * if (b.n !== 4 || b.x.length !== 4 * 32 * 32) throw new Error("bad batch");
 * ```
 */
export class Loader {
  /** The data set batches are drawn from. */
  readonly dataset: Dataset;
  /** The split read (train or test). */
  readonly split: Split;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a seeded random order. */
  readonly shuffle: boolean;
  /** Whether the data set's training augmentation is applied. */
  readonly augment: boolean;
  /** Whether an epoch's last, smaller batch is skipped. */
  readonly dropLast: boolean;
  /** Whether the next batch is produced while the current one is used. */
  readonly prefetch: boolean;
  /** Samples per epoch in `split`. */
  readonly epochSize: number;
  #pos: LoaderState;
  #plan: EpochPlan | null = null;
  #ahead:
    | { key: string; batch: Promise<Batch>; timer: ReturnType<typeof setTimeout> | null }
    | null = null;
  #stats: LoaderStats = { batches: 0, samples: 0, produceMs: 0, waitMs: 0 };
  #busy = false;

  /** Sets up the loader at `options.state` (default: the start of epoch 0). */
  constructor(dataset: Dataset, options: LoaderOptions) {
    const train = options.split === "train";
    this.dataset = dataset;
    this.split = options.split;
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? train;
    this.augment = options.augment ?? train;
    this.dropLast = options.dropLast ?? train;
    this.prefetch = options.prefetch ?? true;
    this.epochSize = dataset.size(options.split);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${this.batchSize}`);
    }
    if (this.batchesPerEpoch === 0) {
      throw new RangeError(
        `${dataset.name}: ${this.split} has ${this.epochSize} samples, fewer than one batch of ` +
          `${this.batchSize} with dropLast`,
      );
    }
    const s = options.state;
    if (s !== undefined) {
      if (!Number.isInteger(s.cursor) || s.cursor < 0 || s.cursor >= this.epochSize) {
        throw new RangeError(`loader state cursor ${s.cursor} is outside [0, ${this.epochSize})`);
      }
      this.#pos = { epoch: s.epoch, cursor: s.cursor, rngState: [...s.rngState] };
    } else {
      this.#pos = { epoch: 0, cursor: 0, rngState: Rng.stream(options.seed ?? 0, "data").state() };
    }
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    return batchesPerEpoch(this.epochSize, this.batchSize, this.dropLast);
  }

  /** Position of the next batch `next()` will hand out (save it in checkpoints). */
  state(): LoaderState {
    const p = this.#pos;
    return { epoch: p.epoch, cursor: p.cursor, rngState: [...p.rngState] };
  }

  /** Timing so far. */
  stats(): LoaderStats {
    return { ...this.#stats };
  }

  #planFor(pos: LoaderState): EpochPlan {
    if (this.#plan !== null && this.#plan.epoch === pos.epoch) return this.#plan;
    const start = new Rng(pos.rngState);
    const r = new Rng(pos.rngState);
    let order: Int32Array;
    if (this.shuffle) order = r.permutation(this.epochSize);
    else order = Int32Array.from({ length: this.epochSize }, (_, i) => i);
    this.#plan = { epoch: pos.epoch, start, order, augRoot: r };
    return this.#plan;
  }

  /** The position after the batch at `pos`. */
  #advance(pos: LoaderState, n: number): LoaderState {
    const cursor = pos.cursor + n;
    const remaining = this.epochSize - cursor;
    if (remaining > 0 && !(this.dropLast && remaining < this.batchSize)) {
      return { epoch: pos.epoch, cursor, rngState: pos.rngState };
    }
    const next = this.#planFor(pos).start.fork("next-epoch").state();
    return { epoch: pos.epoch + 1, cursor: 0, rngState: next };
  }

  /** Builds the batch at `pos` (pure in `pos`; the data set may prepare it in workers first). */
  async #build(pos: LoaderState): Promise<Batch> {
    const t0 = performance.now();
    const ds = this.dataset;
    const plan = this.#planFor(pos);
    const n = Math.min(this.batchSize, this.epochSize - pos.cursor);
    const per = ds.height * ds.width * ds.inChannels;
    const x = new Float32Array(n * per);
    const y = new Int32Array(n);
    const indices = new Int32Array(n);
    const rngs: (Rng | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      const p = pos.cursor + i;
      indices[i] = plan.order[p]!;
      rngs.push(this.augment ? plan.augRoot.fork(String(p)) : undefined);
    }
    if (ds.prefetch !== undefined) {
      await ds.prefetch(this.split, indices, rngs.map((r) => r?.state() ?? null));
    }
    for (let i = 0; i < n; i++) y[i] = ds.loadInto(this.split, indices[i]!, x, i * per, rngs[i]);
    const batchIndex = Math.floor(pos.cursor / this.batchSize);
    const last = this.#advance(pos, n).epoch !== pos.epoch;
    this.#stats.produceMs += performance.now() - t0;
    return {
      x,
      y,
      n,
      h: ds.height,
      w: ds.width,
      c: ds.inChannels,
      epoch: pos.epoch,
      batchIndex,
      lastInEpoch: last,
      indices,
    };
  }

  #schedule(pos: LoaderState): void {
    const key = `${pos.epoch}:${pos.cursor}`;
    let resolve!: (b: Batch) => void;
    let reject!: (e: unknown) => void;
    const batch = new Promise<Batch>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    batch.catch(() => {}); // surfaced by the next next()
    const ahead = { key, batch, timer: null as ReturnType<typeof setTimeout> | null };
    ahead.timer = setTimeout(() => {
      ahead.timer = null;
      this.#build(pos).then(resolve, reject);
    }, 0);
    this.#ahead = ahead;
  }

  /** Hands out the next batch (crossing into the next epoch after the last one). */
  async next(): Promise<Batch> {
    if (this.#busy) throw new Error("Loader.next() called again before the previous call resolved");
    this.#busy = true;
    const t0 = performance.now();
    try {
      const pos = this.#pos;
      const key = `${pos.epoch}:${pos.cursor}`;
      let batch: Batch;
      const ahead = this.#ahead;
      this.#ahead = null;
      if (ahead !== null && ahead.key === key) {
        if (ahead.timer !== null) {
          clearTimeout(ahead.timer);
          batch = await this.#build(pos);
        } else {
          batch = await ahead.batch;
        }
      } else {
        if (ahead?.timer != null) clearTimeout(ahead.timer);
        batch = await this.#build(pos);
      }
      this.#pos = this.#advance(pos, batch.n);
      this.#stats.batches++;
      this.#stats.samples += batch.n;
      if (this.prefetch) this.#schedule(this.#pos);
      return batch;
    } finally {
      this.#stats.waitMs += performance.now() - t0;
      this.#busy = false;
    }
  }

  /** The remaining batches of the current epoch (then the position is at the next epoch). */
  async *epoch(): AsyncGenerator<Batch> {
    const e = this.#pos.epoch;
    while (this.#pos.epoch === e) yield await this.next();
  }

  /** Cancels the batch being prepared ahead. */
  close(): void {
    if (this.#ahead?.timer != null) clearTimeout(this.#ahead.timer);
    this.#ahead = null;
  }

  /** Same as {@link close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
