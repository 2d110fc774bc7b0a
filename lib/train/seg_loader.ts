/**
 * `SegLoader`: endless training batches of a {@link SegDataset}, as mmseg's iteration-based runner
 * draws them: the training set in a fresh seeded permutation per pass, batches that run on into the
 * next pass, every sample through the train pipeline with its own random stream (named by pass and
 * position, so a resumed run draws exactly the same samples). Its position is a `LoaderState`
 * (pass, cursor, permutation generator at the start of the pass), saved in the run's state file.
 *
 * @module
 */
import type { SegBatch, SegDataset } from "../data/segmentation/dataset.ts";
import { stackSegSamples } from "../data/segmentation/dataset.ts";
import type { LoaderState } from "../data/types.ts";
import { Rng } from "../util/rng.ts";

/** Options of {@link SegLoader}. */
export interface SegLoaderOptions {
  /** Samples per batch. */
  batchSize: number;
  /** Root seed (streams "data" for the permutations, "seg-aug/…" per sample). */
  seed: number;
  /** Position to continue from (resume). */
  state?: LoaderState;
}

/** Endless training batches (see the module doc). */
export class SegLoader {
  readonly #ds: SegDataset;
  readonly #opts: SegLoaderOptions;
  #pass: number;
  #cursor: number;
  #rngAtPass: Rng;
  #order: Int32Array;

  /** A loader at the start (or at `options.state`). */
  constructor(ds: SegDataset, options: SegLoaderOptions) {
    this.#ds = ds;
    this.#opts = options;
    const n = ds.size("train");
    if (n < 1) throw new Error(`SegLoader: ${ds.name} has no training images`);
    const st = options.state;
    this.#pass = st?.epoch ?? 0;
    this.#cursor = st?.cursor ?? 0;
    this.#rngAtPass = st ? new Rng(st.rngState) : Rng.stream(options.seed, "data");
    this.#order = this.#shuffle();
  }

  /** Training images per pass. */
  get epochSize(): number {
    return this.#ds.size("train");
  }

  #shuffle(): Int32Array {
    return new Rng(this.#rngAtPass.state()).permutation(this.epochSize);
  }

  #advancePass(): void {
    const r = new Rng(this.#rngAtPass.state());
    r.permutation(this.epochSize);
    this.#rngAtPass = r;
    this.#pass++;
    this.#cursor = 0;
    this.#order = this.#shuffle();
  }

  /** The position (for checkpoints). */
  state(): LoaderState {
    return { epoch: this.#pass, cursor: this.#cursor, rngState: this.#rngAtPass.state() };
  }

  /** The next batch of `batchSize` train samples. */
  next(): Promise<SegBatch> {
    const samples = [];
    for (let i = 0; i < this.#opts.batchSize; i++) {
      if (this.#cursor >= this.#order.length) this.#advancePass();
      const index = this.#order[this.#cursor]!;
      const rng = Rng.stream(this.#opts.seed, `seg-aug/${this.#pass}/${this.#cursor}`);
      samples.push(this.#ds.trainSample(index, rng));
      this.#cursor++;
    }
    return Promise.resolve(stackSegSamples(samples, this.#ds.inChannels));
  }

  /** Nothing to release (kept for symmetry with `Loader`). */
  close(): void {}
}
