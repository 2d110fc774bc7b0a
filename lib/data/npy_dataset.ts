/**
 * A data set from NumPy arrays (`data: {kind: npy, images: X.npy, labels: y.npy}`): images
 * `[N, H, W, C]` (`layout: nhwc`, the default), `[N, C, H, W]` (`layout: nchw`, PyTorch's order) or
 * `[N, H, W]` (one channel), as uint8 or float32; labels `[N]` of any integer dtype.
 *
 * - uint8 images are treated like every other data set's bytes: normalized with `normalize`
 *   (default 0.5 / 0.5 per channel, i.e. [0, 255] → [-1, 1]) and augmented with `augment`.
 * - float32 images are taken as they are (already preprocessed): `normalize` and `augment` are
 *   refused for them, so that nothing is silently ignored.
 * - The test split is `testImages` + `testLabels`, or, without them, the last `holdout` samples
 *   of the training arrays (one of the two is required).
 *
 * The arrays are read synchronously and kept in memory: resolving a training config needs their
 * channels, size and class count before the data set is opened ({@link probeNpy}), and the last
 * probe is reused by {@link openNpy}.
 *
 * @module
 */
import { readNpy } from "../io/npy.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import { ConfigError, DataError } from "../util/errors.ts";
import { formatInt, listUntrusted } from "../util/quote.ts";
import type { NpyConfig } from "./config_types.ts";
import { makeDataset } from "./raw_dataset.ts";
import type { Augment, Dataset, Normalize, RawSample, Sample, Split } from "./types.ts";

/** Element types accepted for images. */
export const NPY_IMAGE_DTYPES = ["uint8", "float32"] as const;

/** Images of one split in NHWC order, with their labels. */
interface SplitArrays {
  /** `n * h * w * c` values, NHWC. */
  pixels: Uint8Array | Float32Array;
  /** `n` labels. */
  labels: Int32Array;
  /** Samples. */
  n: number;
}

/** What the arrays of an npy config hold (read once, see {@link probeNpy}). */
export interface NpyProbe {
  /** Element type of the images. */
  dtype: (typeof NPY_IMAGE_DTYPES)[number];
  /** Image height. */
  height: number;
  /** Image width. */
  width: number;
  /** Channels. */
  channels: number;
  /** Number of classes (the config's, or the largest label + 1). */
  numClasses: number;
  /** Samples per split. */
  sizes: Record<Split, number>;
  /** The arrays, NHWC. */
  splits: Record<Split, SplitArrays>;
}

type Field = "images" | "labels" | "testImages" | "testLabels";

function readArray(path: string, field: Field): HostTensor {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(`data.${field}: file ${path} not found`);
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new DataError(`data.${field}: ${path} is a folder; give an .npy file`);
    }
    throw new DataError(`data.${field}: cannot read ${path} (${(e as Error).message})`);
  }
  return readNpy(bytes, `data.${field} ${path}`);
}

/** NHWC shape of an image array, or a DataError naming the field, file and accepted forms. */
function imageShape(t: HostTensor, path: string, field: Field, layout: NpyConfig["layout"]) {
  if (!(NPY_IMAGE_DTYPES as readonly string[]).includes(t.dtype)) {
    throw new DataError(
      `data.${field} ${path}: images have dtype ${t.dtype}; expected uint8 (normalized with ` +
        `data.normalize) or float32 (used as they are)`,
    );
  }
  const s = t.shape;
  if (s.length === 3) return { n: s[0]!, h: s[1]!, w: s[2]!, c: 1 };
  if (s.length === 4) {
    return layout === "nhwc"
      ? { n: s[0]!, h: s[1]!, w: s[2]!, c: s[3]! }
      : { n: s[0]!, c: s[1]!, h: s[2]!, w: s[3]! };
  }
  throw new DataError(
    `data.${field} ${path}: images have shape ${listUntrusted(s)}; expected ` +
      `${
        layout === "nhwc" ? "[N, H, W, C]" : "[N, C, H, W]"
      } (data.layout: ${layout}) or [N, H, W]`,
  );
}

/** NCHW → NHWC copy (identity for NHWC or one channel). */
function toNhwc(
  t: HostTensor,
  dims: { n: number; h: number; w: number; c: number },
  layout: NpyConfig["layout"],
): Uint8Array | Float32Array {
  const src = t.data as Uint8Array | Float32Array;
  if (layout === "nhwc" || dims.c === 1) return src;
  const { n, h, w, c } = dims;
  const out = src instanceof Uint8Array ? new Uint8Array(src.length) : new Float32Array(src.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let ch = 0; ch < c; ch++) {
      const from = base + ch * plane;
      for (let p = 0; p < plane; p++) out[base + p * c + ch] = src[from + p]!;
    }
  }
  return out;
}

function readLabels(path: string, field: Field, n: number): Int32Array {
  const t = readArray(path, field);
  const integer = ["int64", "int32", "int16", "int8", "uint8"];
  if (!integer.includes(t.dtype)) {
    throw new DataError(
      `data.${field} ${path}: labels have dtype ${t.dtype}; expected an integer dtype ` +
        `(${integer.join(", ")})`,
    );
  }
  if (t.shape.length !== 1 || t.shape[0] !== n) {
    throw new DataError(
      `data.${field} ${path}: labels have shape ${listUntrusted(t.shape)}; expected [${n}] ` +
        `(one label per image)`,
    );
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(t.data[i]!);
    if (v < 0 || v > 0x7fffffff) {
      throw new DataError(`data.${field} ${path}: label ${formatInt(v)} at index ${i} is negative`);
    }
    out[i] = v;
  }
  return out;
}

function readImages(path: string, field: Field, layout: NpyConfig["layout"]) {
  const t = readArray(path, field);
  const dims = imageShape(t, path, field, layout);
  if (dims.n < 1 || dims.h < 1 || dims.w < 1 || dims.c < 1) {
    throw new DataError(`data.${field} ${path}: empty image array ${listUntrusted(t.shape)}`);
  }
  return { dtype: t.dtype as NpyProbe["dtype"], dims, pixels: toNhwc(t, dims, layout) };
}

function slice(a: SplitArrays, from: number, to: number): SplitArrays {
  const per = a.pixels.length / a.n;
  return {
    pixels: a.pixels.subarray(from * per, to * per),
    labels: a.labels.subarray(from, to),
    n: to - from,
  };
}

function checkSplitFields(c: NpyConfig): void {
  if ((c.testImages === null) !== (c.testLabels === null)) {
    throw new ConfigError(
      `data: give both data.testImages and data.testLabels, or neither (then data.holdout)`,
    );
  }
  if (c.testImages !== null && c.holdout > 0) {
    throw new ConfigError(
      `data.holdout: ${c.holdout} with data.testImages given; use one of the two for the test split`,
    );
  }
  if (c.testImages === null && c.holdout === 0) {
    throw new ConfigError(
      `data: kind "npy" needs a test split: data.testImages + data.testLabels, or ` +
        `data.holdout: N (the last N training samples)`,
    );
  }
}

function readProbe(c: NpyConfig): NpyProbe {
  checkSplitFields(c);
  const train = readImages(c.images, "images", c.layout);
  const { h, w, c: ch } = train.dims;
  let splits: Record<Split, SplitArrays>;
  const all: SplitArrays = {
    pixels: train.pixels,
    labels: readLabels(c.labels, "labels", train.dims.n),
    n: train.dims.n,
  };
  if (c.testImages !== null) {
    const test = readImages(c.testImages, "testImages", c.layout);
    const d = test.dims;
    if (test.dtype !== train.dtype || d.h !== h || d.w !== w || d.c !== ch) {
      throw new DataError(
        `data.testImages ${c.testImages}: ${test.dtype} images ${d.h}x${d.w}x${d.c} (HxWxC) do ` +
          `not match the ${train.dtype} training images ${h}x${w}x${ch} of ${c.images}`,
      );
    }
    splits = {
      train: all,
      test: { pixels: test.pixels, labels: readLabels(c.testLabels!, "testLabels", d.n), n: d.n },
    };
  } else {
    if (c.holdout >= all.n) {
      throw new ConfigError(
        `data.holdout: ${c.holdout} leaves no training samples of the ${all.n} in ${c.images}; ` +
          `allowed: 1..${all.n - 1}`,
      );
    }
    splits = {
      train: slice(all, 0, all.n - c.holdout),
      test: slice(all, all.n - c.holdout, all.n),
    };
  }
  let maxLabel = 0;
  for (const s of [splits.train, splits.test]) {
    for (const v of s.labels) maxLabel = Math.max(maxLabel, v);
  }
  const numClasses = c.numClasses ?? maxLabel + 1;
  if (maxLabel >= numClasses) {
    throw new DataError(
      `data.labels: label ${maxLabel} found but data.numClasses is ${numClasses}; labels must ` +
        `lie in [0, ${numClasses})`,
    );
  }
  if (numClasses < 2) {
    throw new DataError(
      `data.labels ${c.labels}: only class 0 occurs; set data.numClasses (at least 2)`,
    );
  }
  if (train.dtype === "float32") {
    if (c.augment.crop !== null || c.augment.flip) {
      throw new ConfigError(
        `data.augment: crop/flip apply to uint8 images only; ${c.images} is float32 ` +
          `(set data.augment: {crop: null, flip: false})`,
      );
    }
  }
  return {
    dtype: train.dtype,
    height: h,
    width: w,
    channels: ch,
    numClasses,
    sizes: { train: splits.train.n, test: splits.test.n },
    splits,
  };
}

function fileStamp(path: string | null): string {
  if (path === null) return "-";
  try {
    const st = Deno.statSync(path);
    return `${path}:${st.size}:${st.mtime?.getTime() ?? 0}`;
  } catch {
    return `${path}:?`;
  }
}

let lastProbe: { key: string; probe: NpyProbe } | null = null;

/**
 * Reads and checks the arrays of an npy config (shapes, dtypes, labels, the test split; no
 * augmentation for float32 images) and
 * returns what they hold. The last result is cached (keyed by the config and the files' sizes and
 * modification times), so resolving a config and opening its data set read the files once.
 * @throws DataError naming the field and file for a missing or malformed array, ConfigError for
 *   contradicting fields
 */
export function probeNpy(c: NpyConfig): NpyProbe {
  const { normalize: _unused, ...fields } = c; // the arrays do not depend on it
  const key = JSON.stringify([
    fields,
    fileStamp(c.images),
    fileStamp(c.labels),
    fileStamp(c.testImages),
    fileStamp(c.testLabels),
  ]);
  if (lastProbe?.key === key) return lastProbe.probe;
  const probe = readProbe(c);
  lastProbe = { key, probe };
  return probe;
}

/**
 * Refuses a `normalize` written for float32 images (they are used as they are). Called where the
 * config's own `normalize` is still known, before the default is filled in.
 * @throws ConfigError naming `data.normalize`
 */
export function checkNpyNormalize(c: NpyConfig): void {
  if (c.normalize === undefined || probeNpy(c).dtype !== "float32") return;
  throw new ConfigError(
    `data.normalize: the images of ${c.images} are float32 and are used as they are; ` +
      `remove data.normalize (it applies to uint8 images)`,
  );
}

/** Default normalization of uint8 npy images: 0.5 / 0.5 per channel ([0, 255] → [-1, 1]). */
export function npyDefaultNormalize(channels: number): Normalize {
  return { mean: new Array(channels).fill(0.5), std: new Array(channels).fill(0.5) };
}

function className(i: number): string {
  return String(i);
}

const NO_AUGMENT: Augment = { crop: null, flip: false };

/** A float32 data set: samples copied as they are (no normalization, no augmentation). */
function floatDataset(name: string, p: NpyProbe, normalize: Normalize): Dataset {
  const pixels = p.height * p.width * p.channels;
  const check = (split: Split, index: number): void => {
    const n = p.sizes[split];
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new RangeError(`${name}: index ${index} out of range [0, ${n}) of ${split}`);
    }
  };
  const loadInto = (split: Split, index: number, out: Float32Array, offset: number): number => {
    check(split, index);
    const s = p.splits[split];
    out.set(s.pixels.subarray(index * pixels, (index + 1) * pixels), offset);
    return s.labels[index]!;
  };
  return {
    name,
    numClasses: p.numClasses,
    classNames: Array.from({ length: p.numClasses }, (_, i) => className(i)),
    inChannels: p.channels,
    height: p.height,
    width: p.width,
    normalize,
    augment: NO_AUGMENT,
    size: (split: Split) => p.sizes[split],
    /** Bytes for display only: values clamped to [0, 1] and scaled to 0..255. */
    raw(split: Split, index: number): RawSample {
      check(split, index);
      const s = p.splits[split];
      const src = s.pixels.subarray(index * pixels, (index + 1) * pixels);
      const bytes = new Uint8Array(pixels);
      for (let i = 0; i < pixels; i++) {
        bytes[i] = Math.round(Math.min(1, Math.max(0, src[i]!)) * 255);
      }
      return { pixels: bytes, label: s.labels[index]! };
    },
    load(split: Split, index: number): Sample {
      const image = new Float32Array(pixels);
      const label = loadInto(split, index, image, 0);
      return { image, label };
    },
    loadInto,
  };
}

/**
 * Opens the data set of an npy config (see the module doc). `normalize` is the resolved
 * normalization (used for uint8 images; recorded as given for float32 ones).
 * @example
 * ```ts
 * import { encodeNpy } from "../io/npy.ts";
 * const dir = Deno.makeTempDirSync();
 * const x = new Uint8Array(6 * 32 * 32 * 3).map((_, i) => i % 256);
 * Deno.writeFileSync(`${dir}/x.npy`, encodeNpy({ dtype: "uint8", shape: [6, 32, 32, 3], data: x }));
 * const y = Int32Array.of(0, 1, 0, 1, 0, 1);
 * Deno.writeFileSync(`${dir}/y.npy`, encodeNpy({ dtype: "int32", shape: [6], data: y }));
 * const ds = openNpy({
 *   kind: "npy", images: `${dir}/x.npy`, labels: `${dir}/y.npy`, testImages: null,
 *   testLabels: null, holdout: 2, layout: "nhwc", shuffle: true,
 *   augment: { crop: null, flip: false },
 * }, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
 * Deno.removeSync(dir, { recursive: true });
 * if (ds.size("train") !== 4 || ds.size("test") !== 2 || ds.numClasses !== 2) throw new Error();
 * ```
 */
export function openNpy(c: NpyConfig, normalize: Normalize): Dataset {
  const p = probeNpy(c);
  const base = c.images.split("/").pop()!.replace(/\.npy$/, "");
  const name = `npy:${base}`;
  if (p.dtype === "float32") return floatDataset(name, p, normalize);
  const pixels = p.height * p.width * p.channels;
  return makeDataset(
    {
      name,
      classNames: Array.from({ length: p.numClasses }, (_, i) => className(i)),
      inChannels: p.channels,
      height: p.height,
      width: p.width,
      sizes: p.sizes,
      raw(split: Split, index: number): RawSample {
        const s = p.splits[split];
        return {
          pixels: (s.pixels as Uint8Array).subarray(index * pixels, (index + 1) * pixels),
          label: s.labels[index]!,
        };
      },
    },
    normalize,
    c.augment,
  );
}
