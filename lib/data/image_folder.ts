/**
 * ImageFolder data sets: `<path>/train/<class>/<image>` and `<path>/val/<class>/<image>` (a
 * `test/` folder is accepted when there is no `val/`). Classes are the train sub-folders sorted
 * by name; images are `.png`, `.jpg` or `.jpeg` files (other files are ignored), decoded to RGB,
 * scaled so the shorter side is `size` and centre-cropped to `size`×`size`.
 *
 * With `trainTransform: {kind: paper}`, training samples (those loaded with an rng) instead go
 * through the paper's transform (lib/data/transforms/paper.ts) from the full decoded image; they
 * are not cached (the decoded originals would not fit in memory for ImageNet).
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import { isDir } from "../util/stat.ts";
import type { ImageFolderConfig } from "./config.ts";
import { normalizeTable } from "./augment.ts";
import { decodeImage, type RgbImage } from "./image_decode.ts";
import { makeDataset } from "./raw_dataset.ts";
import { resizeCenterCrop } from "./resize.ts";
import { paperTrainInto } from "./transforms/paper.ts";
import type { Dataset, Normalize, RawSample, Split } from "./types.ts";
import type { Rng, RngState } from "../util/rng.ts";
import { dataWorkersFromEnv, DecodePool } from "./decode_pool.ts";

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** One image of an ImageFolder split: its path and class index. */
export interface ImageFolderEntry {
  /** Path of the image file. */
  file: string;
  /** Class index. */
  label: number;
}

type Entry = ImageFolderEntry;

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The entries of a folder without hidden ones, sorted by name (as Python sorts names without
 * characters beyond U+FFFF).
 */
export async function listDir(path: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(path)) if (!e.name.startsWith(".")) out.push(e);
  return out.sort((a, b) => byName(a.name, b.name));
}

/**
 * The images of one split folder (`dir/<class>/<image>`), classes and files sorted by name;
 * `classes` (from the train split) fixes the class indices, null = this folder's own classes.
 * @throws DataError for a folder without class folders, an empty class folder, or a class
 *   missing from `classes`
 */
export async function scanSplit(
  dir: string,
  classes: string[] | null,
): Promise<{ classes: string[]; entries: Entry[] }> {
  const sub = (await listDir(dir)).filter((e) => e.isDirectory).map((e) => e.name);
  if (sub.length === 0) {
    throw new DataError(`${dir}: no class folders (expected ${dir}/<class>/<image>)`);
  }
  const names = classes ?? sub;
  if (classes !== null) {
    const unknown = sub.filter((c) => !classes.includes(c));
    if (unknown.length > 0) {
      throw new DataError(
        `${dir}: class folder(s) ${unknown.join(", ")} do not exist in the train split`,
      );
    }
  }
  const entries: Entry[] = [];
  for (const cls of sub) {
    const files = (await listDir(`${dir}/${cls}`)).filter((e) =>
      e.isFile && IMAGE_EXT.test(e.name)
    );
    if (files.length === 0) {
      throw new DataError(`${dir}/${cls}: empty class folder (no .png, .jpg or .jpeg files)`);
    }
    const label = names.indexOf(cls);
    for (const f of files) entries.push({ file: `${dir}/${cls}/${f.name}`, label });
  }
  return { classes: names, entries };
}

/**
 * Opens an ImageFolder tree. With `workers` > 0 (default `SLAK_DATA_WORKERS`, else 0), the
 * loader's `prefetch` reads, decodes and transforms each batch in that many worker threads;
 * results are identical to the in-thread path. Call the data set's `close()` to stop them early
 * (idle workers stop by themselves after 2 s).
 */
export async function openImageFolder(
  config: ImageFolderConfig,
  normalize: Normalize,
  workers: number = dataWorkersFromEnv(),
): Promise<Dataset> {
  const root = config.path;
  const trainDir = `${root}/train`;
  if (!(await isDir(trainDir))) {
    throw new DataError(
      `data.path ${root}: expected an ImageFolder tree with ${trainDir}/<class>/<image> and ` +
        `${root}/val/<class>/<image> (PNG or JPEG)`,
    );
  }
  let testDir = `${root}/val`;
  if (!(await isDir(testDir))) {
    if (await isDir(`${root}/test`)) testDir = `${root}/test`;
    else {throw new DataError(
        `data.path ${root}: missing ${root}/val/<class>/<image> (the evaluation split)`,
      );}
  }
  const train = await scanSplit(trainDir, null);
  const test = await scanSplit(testDir, train.classes);
  const entries: Record<Split, Entry[]> = { train: train.entries, test: test.entries };
  const size = config.size;
  const caches: Record<Split, (Uint8Array | undefined)[] | null> = config.cache
    ? { train: new Array(train.entries.length), test: new Array(test.entries.length) }
    : { train: null, test: null };
  const decode = (e: Entry): RgbImage => {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(e.file);
    } catch (err) {
      throw new DataError(`${e.file}: cannot read (${(err as Error).message})`);
    }
    return decodeImage(bytes, e.file);
  };
  // Samples prepared ahead by worker threads (SLAK_DATA_WORKERS > 0), taken by the next load.
  const pool = workers > 0 ? new DecodePool(workers) : null;
  const ready = new Map<string, Uint8Array | Float32Array>();
  const rawKey = (split: Split, index: number) => `r:${split}:${index}`;
  const paperKey = (index: number, st: RngState) => `p:${index}:${st.join(",")}`;
  const take = (key: string) => {
    const v = ready.get(key);
    if (v !== undefined) ready.delete(key);
    return v;
  };
  const raw = (split: Split, index: number): RawSample => {
    const e = entries[split][index]!;
    const cache = caches[split];
    const hit = cache?.[index];
    if (hit !== undefined) return { pixels: hit, label: e.label };
    const pre = take(rawKey(split, index)) as Uint8Array | undefined;
    const pixels = pre ?? resizeCenterCrop(decode(e), size);
    if (cache !== null) cache[index] = pixels;
    return { pixels, label: e.label };
  };
  const base = makeDataset(
    {
      name: `imagefolder:${root.split("/").filter((s) => s.length > 0).pop() ?? root}`,
      classNames: train.classes,
      inChannels: 3,
      height: size,
      width: size,
      sizes: { train: train.entries.length, test: test.entries.length },
      raw,
    },
    normalize,
    config.augment,
  );
  const t = config.trainTransform;
  const paper = t !== undefined && t.kind === "paper" ? t : null;
  const lut = normalizeTable(normalize);
  const loadInto = (
    split: Split,
    index: number,
    out: Float32Array,
    offset: number,
    rng?: Rng,
  ): number => {
    if (paper === null || split !== "train" || rng === undefined) {
      return base.loadInto(split, index, out, offset, paper === null ? rng : undefined);
    }
    const n = entries.train.length;
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new RangeError(`${base.name}: index ${index} out of range [0, ${n}) of train`);
    }
    const e = entries.train[index]!;
    const pre = take(paperKey(index, rng.state())) as Float32Array | undefined;
    if (pre !== undefined) out.set(pre, offset);
    else paperTrainInto(decode(e), size, paper, normalize, lut, rng, out, offset);
    return e.label;
  };
  const prefetch = async (
    split: Split,
    indices: Int32Array,
    rngStates: (RngState | null)[],
  ): Promise<void> => {
    if (pool === null) return;
    const jobs: Promise<void>[] = [];
    indices.forEach((index, i) => {
      const e = entries[split][index];
      if (e === undefined) return; // loadInto reports the bad index
      const st = rngStates[i] ?? null;
      if (paper !== null && split === "train" && st !== null) {
        const key = paperKey(index, st);
        if (ready.has(key)) return;
        const task = { file: e.file, size, paper: { transform: paper, normalize, rngState: st } };
        jobs.push(pool.run(task).then((r) => void ready.set(key, r.image!)));
      } else {
        const key = rawKey(split, index);
        if (ready.has(key) || caches[split]?.[index] !== undefined) return;
        jobs.push(
          pool.run({ file: e.file, size, paper: null }).then((r) => {
            ready.set(key, r.pixels!);
          }),
        );
      }
    });
    await Promise.all(jobs);
  };
  const close = (): void => {
    pool?.close();
    ready.clear();
  };
  return {
    ...base,
    ...(paper !== null ? { augment: { crop: null, flip: false } } : {}),
    loadInto,
    load(split: Split, index: number, rng?: Rng) {
      const image = new Float32Array(size * size * 3);
      const label = loadInto(split, index, image, 0, rng);
      return { image, label };
    },
    prefetch,
    close,
  };
}
