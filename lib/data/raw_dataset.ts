/**
 * Builds a {@link Dataset} from a raw-sample accessor: every concrete data set only says how to
 * get the bytes of sample `i`; normalization, augmentation and bounds checks live here once.
 *
 * @module
 */
import type { Rng } from "../util/rng.ts";
import { drawAugment, IDENTITY_DRAW, normalizeTable, writeImage } from "./augment.ts";
import type { Augment, Dataset, Normalize, RawSample, Sample, Split } from "./types.ts";

/** What a concrete data set provides. */
export interface RawSource {
  /** Short name. */
  name: string;
  /** Class names (index = label). */
  classNames: readonly string[];
  /** Channels. */
  inChannels: number;
  /** Height. */
  height: number;
  /** Width. */
  width: number;
  /** Samples per split. */
  sizes: Record<Split, number>;
  /** Raw sample `index` of `split` (index already bounds-checked). */
  raw(split: Split, index: number): RawSample;
}

/** Wraps `source` into a {@link Dataset} with the given normalization and augmentation. */
export function makeDataset(source: RawSource, normalize: Normalize, augment: Augment): Dataset {
  const lut = normalizeTable(normalize);
  const shape = { h: source.height, w: source.width, c: source.inChannels };
  const pixels = shape.h * shape.w * shape.c;
  const check = (split: Split, index: number): void => {
    const n = source.sizes[split];
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new RangeError(`${source.name}: index ${index} out of range [0, ${n}) of ${split}`);
    }
  };
  const raw = (split: Split, index: number): RawSample => {
    check(split, index);
    return source.raw(split, index);
  };
  const loadInto = (
    split: Split,
    index: number,
    out: Float32Array,
    offset: number,
    rng?: Rng,
  ): number => {
    const r = raw(split, index);
    const draw = rng === undefined ? IDENTITY_DRAW : drawAugment(augment, rng);
    writeImage(r.pixels, shape, lut, draw, out, offset);
    return r.label;
  };
  return {
    name: source.name,
    numClasses: source.classNames.length,
    classNames: source.classNames,
    inChannels: shape.c,
    height: shape.h,
    width: shape.w,
    normalize,
    augment,
    size: (split: Split) => source.sizes[split],
    raw,
    load(split: Split, index: number, rng?: Rng): Sample {
      const image = new Float32Array(pixels);
      const label = loadInto(split, index, image, 0, rng);
      return { image, label };
    },
    loadInto,
  };
}
