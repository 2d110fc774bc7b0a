/**
 * The generated shapes data set (lib/data/shapes.ts) as a {@link Dataset}: images are generated on
 * first use and kept in memory (when the split fits in 1 GiB), so every epoch after the first
 * reads them back.
 *
 * @module
 */
import type { ShapesConfig } from "./config.ts";
import { makeDataset } from "./raw_dataset.ts";
import { SHAPES_CLASSES, shapesSample } from "./shapes.ts";
import type { Dataset, Normalize, RawSample, Split } from "./types.ts";

const MEMO_LIMIT = 2 ** 30;

interface Memo {
  pixels: Uint8Array;
  labels: Uint8Array;
  done: Uint8Array;
}

/**
 * Opens a shapes data set.
 * @example
 * ```ts
 * const ds = openShapes(
 *   { kind: "shapes", size: 32, trainSize: 16, testSize: 8, seed: 0, noise: 0.1, shift: 0.5,
 *     augment: { crop: null, flip: false } },
 *   { mean: [0.5], std: [0.5] },
 * );
 * if (ds.numClasses !== 8 || ds.raw("train", 3).label !== 3) throw new Error("unexpected");
 * ```
 */
export function openShapes(config: ShapesConfig, normalize: Normalize): Dataset {
  const s = config.size;
  const sizes: Record<Split, number> = { train: config.trainSize, test: config.testSize };
  const memo = (n: number): Memo | null =>
    n * s * s <= MEMO_LIMIT
      ? { pixels: new Uint8Array(n * s * s), labels: new Uint8Array(n), done: new Uint8Array(n) }
      : null;
  const memos: Record<Split, Memo | null> = { train: memo(sizes.train), test: memo(sizes.test) };
  const raw = (split: Split, index: number): RawSample => {
    const m = memos[split];
    const off = index * s * s;
    if (m !== null && m.done[index] === 1) {
      return { pixels: m.pixels.subarray(off, off + s * s), label: m.labels[index]! };
    }
    const im = shapesSample(
      { size: s, noise: config.noise, shift: config.shift, seed: config.seed, split },
      index,
    );
    if (m !== null) {
      m.pixels.set(im.pixels, off);
      m.labels[index] = im.label;
      m.done[index] = 1;
    }
    return { pixels: im.pixels, label: im.label };
  };
  return makeDataset(
    {
      name: `shapes${s}`,
      classNames: SHAPES_CLASSES,
      inChannels: 1,
      height: s,
      width: s,
      sizes,
      raw,
    },
    normalize,
    config.augment,
  );
}
