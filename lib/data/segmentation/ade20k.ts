/**
 * ADE20K-format segmentation folders (the layout of `ADEChallengeData2016`, which mmseg's
 * `ADE20KDataset` reads):
 *
 * ```
 * <root>/images/training/<name>.jpg        <root>/annotations/training/<name>.png
 * <root>/images/validation/<name>.jpg      <root>/annotations/validation/<name>.png
 * ```
 *
 * Images and annotations are matched by basename (images may also be `.jpeg` or `.png`); a file
 * without its partner is a {@link DataError} naming the folder and the file. Annotations are read
 * exactly (palette indices or gray values, label_png.ts) and, with `reduceZeroLabel` (ADE20K's
 * setting), mapped 0 → 255 (ignored) and v → v − 1 otherwise, so 1..150 become 0..149 and 255
 * stays 255, as mmseg's `LoadAnnotations(reduce_zero_label=True)`. Images are decoded to RGB by
 * lib/data/image_decode.ts; mmseg reads BGR through OpenCV and swaps to RGB in `Normalize`, which
 * gives the same tensors, except that JPEG pixels from jpeg-js may differ by a few levels from
 * libjpeg's (different IDCT and chroma upsampling).
 *
 * @module
 */
import { DataError } from "../../util/errors.ts";
import { isDir } from "../../util/stat.ts";
import { decodeImage } from "../image_decode.ts";
import type { Split } from "../types.ts";
import { decodeLabelPng } from "./label_png.ts";
import { IGNORE_INDEX, type LabelMap, type SegPair } from "./types.ts";

/** The ADE20K sub-folder of each split. */
export const ADE20K_SPLIT_DIRS: Readonly<Record<Split, string>> = {
  train: "training",
  test: "validation",
};

/** Number of ADE20K classes after reduce-zero-label. */
export const ADE20K_NUM_CLASSES = 150;

const IMAGE_EXT = /\.(jpe?g|png)$/i;
const LABEL_EXT = /\.png$/i;

/** One matched image/annotation pair. */
export interface Ade20kEntry {
  /** Basename without extension. */
  name: string;
  /** Path of the image file. */
  image: string;
  /** Path of the annotation PNG. */
  label: string;
}

function stem(file: string): string {
  return file.replace(/\.[^.]+$/, "");
}

async function listFiles(dir: string, ext: RegExp): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && !e.name.startsWith(".") && ext.test(e.name)) out.push(e.name);
  }
  return out.sort();
}

/**
 * Lists the matched pairs of one split, sorted by name.
 * @throws DataError naming the folder when it is missing or empty, or the first file without a
 *   partner (and how many such files there are)
 */
export async function scanAde20k(root: string, split: Split): Promise<Ade20kEntry[]> {
  const sub = ADE20K_SPLIT_DIRS[split];
  const imgDir = `${root}/images/${sub}`;
  const annDir = `${root}/annotations/${sub}`;
  for (const dir of [imgDir, annDir]) {
    if (!(await isDir(dir))) {
      throw new DataError(
        `${dir}: folder missing (an ADE20K-format root has images/{training,validation}/*.jpg ` +
          "and annotations/{training,validation}/*.png)",
      );
    }
  }
  const images = await listFiles(imgDir, IMAGE_EXT);
  const labels = await listFiles(annDir, LABEL_EXT);
  if (images.length === 0) throw new DataError(`${imgDir}: no .jpg, .jpeg or .png images`);
  const labelByStem = new Map(labels.map((f) => [stem(f), f]));
  const imageByStem = new Map<string, string>();
  for (const f of images) {
    const s = stem(f);
    const prev = imageByStem.get(s);
    if (prev !== undefined) {
      throw new DataError(`${imgDir}: ${prev} and ${f} share the basename "${s}"`);
    }
    imageByStem.set(s, f);
  }
  const noLabel = images.filter((f) => !labelByStem.has(stem(f)));
  if (noLabel.length > 0) {
    throw new DataError(
      `${imgDir}/${noLabel[0]}: no annotation ${annDir}/${stem(noLabel[0]!)}.png` +
        (noLabel.length > 1 ? ` (${noLabel.length} images lack one)` : ""),
    );
  }
  const noImage = labels.filter((f) => !imageByStem.has(stem(f)));
  if (noImage.length > 0) {
    throw new DataError(
      `${annDir}/${noImage[0]}: no image ${imgDir}/${stem(noImage[0]!)}.jpg` +
        (noImage.length > 1 ? ` (${noImage.length} annotations lack one)` : ""),
    );
  }
  return images.map((f) => {
    const s = stem(f);
    return { name: s, image: `${imgDir}/${f}`, label: `${annDir}/${labelByStem.get(s)!}` };
  });
}

/**
 * mmseg's reduce-zero-label: 0 → {@link IGNORE_INDEX}, v → v − 1 for v ≥ 1, except that 255
 * stays 255 (returns a new map).
 * @example
 * ```ts
 * const out = reduceZeroLabel({ width: 4, height: 1, data: new Uint8Array([0, 1, 150, 255]) });
 * if (out.data.join() !== "255,0,149,255") throw new Error("reduce-zero-label is wrong");
 * ```
 */
export function reduceZeroLabel(label: LabelMap): LabelMap {
  const data = new Uint8Array(label.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = label.data[i]!;
    data[i] = v === 0 || v === IGNORE_INDEX ? IGNORE_INDEX : v - 1;
  }
  return { width: label.width, height: label.height, data };
}

function readBytes(file: string): Uint8Array {
  try {
    return Deno.readFileSync(file);
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as Error).message})`);
  }
}

/**
 * Reads one pair: the image as 8-bit RGB, the label map exactly, reduced when asked.
 * @throws DataError naming the files when either cannot be decoded or their sizes differ
 */
export function readAde20kPair(entry: Ade20kEntry, reduceZero: boolean): SegPair {
  const rgb = decodeImage(readBytes(entry.image), entry.image);
  const raw = decodeLabelPng(readBytes(entry.label), entry.label);
  if (raw.width !== rgb.width || raw.height !== rgb.height) {
    throw new DataError(
      `${entry.label}: annotation is ${raw.width}x${raw.height} but its image ${entry.image} is ` +
        `${rgb.width}x${rgb.height}`,
    );
  }
  return {
    image: { width: rgb.width, height: rgb.height, channels: 3, data: rgb.data },
    label: reduceZero ? reduceZeroLabel(raw) : raw,
  };
}

/** An opened ADE20K-format folder: random access to decoded pairs of both splits. */
export interface Ade20kFolder {
  /** The root folder. */
  readonly root: string;
  /** Number of classes (150 with reduce-zero-label). */
  readonly numClasses: number;
  /** Whether labels are reduced (0 ignored, 1..N → 0..N−1). */
  readonly reduceZeroLabel: boolean;
  /** The matched pairs of each split. */
  readonly entries: Readonly<Record<Split, readonly Ade20kEntry[]>>;
  /** Number of pairs in `split`. */
  size(split: Split): number;
  /** Pair `index` of `split`, decoded (read from disk on every call). */
  pair(split: Split, index: number): SegPair;
}

/** Options of {@link openAde20k}. */
export interface Ade20kOptions {
  /** Map 0 → ignore and v → v − 1 (default true, ADE20K's setting). */
  reduceZeroLabel?: boolean;
  /** Number of classes after reduction (default 150). */
  numClasses?: number;
}

/**
 * Opens an ADE20K-format root: scans both splits and checks that images and annotations match.
 * @throws DataError naming the root when it is not a folder, or what {@link scanAde20k} throws
 */
export async function openAde20k(root: string, opts: Ade20kOptions = {}): Promise<Ade20kFolder> {
  if (!(await isDir(root))) {
    throw new DataError(
      `${root}: not a folder (expected an ADE20K-format root with images/ and annotations/)`,
    );
  }
  const reduce = opts.reduceZeroLabel ?? true;
  const entries: Record<Split, Ade20kEntry[]> = {
    train: await scanAde20k(root, "train"),
    test: await scanAde20k(root, "test"),
  };
  return {
    root,
    numClasses: opts.numClasses ?? ADE20K_NUM_CLASSES,
    reduceZeroLabel: reduce,
    entries,
    size: (split) => entries[split].length,
    pair: (split, index) => {
      const e = entries[split][index];
      if (e === undefined) {
        throw new RangeError(
          `ade20k ${split}: index ${index} not in [0, ${entries[split].length})`,
        );
      }
      return readAde20kPair(e, reduce);
    },
  };
}
