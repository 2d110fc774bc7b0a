/**
 * ImageFolder data sets: `<path>/train/<class>/<image>` and `<path>/val/<class>/<image>` (a
 * `test/` folder is accepted when there is no `val/`). Classes are the train sub-folders sorted
 * by name; images are `.png`, `.jpg` or `.jpeg` files (other files are ignored), decoded to RGB,
 * scaled so the shorter side is `size` and centre-cropped to `size`×`size`.
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import { isDir } from "../util/stat.ts";
import type { ImageFolderConfig } from "./config.ts";
import { decodeImage } from "./image_decode.ts";
import { makeDataset } from "./raw_dataset.ts";
import { resizeCenterCrop } from "./resize.ts";
import type { Dataset, Normalize, RawSample, Split } from "./types.ts";

const IMAGE_EXT = /\.(png|jpe?g)$/i;

interface Entry {
  file: string;
  label: number;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function listDir(path: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(path)) if (!e.name.startsWith(".")) out.push(e);
  return out.sort((a, b) => byName(a.name, b.name));
}

async function scanSplit(
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

/** Opens an ImageFolder tree. */
export async function openImageFolder(
  config: ImageFolderConfig,
  normalize: Normalize,
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
  const raw = (split: Split, index: number): RawSample => {
    const e = entries[split][index]!;
    const cache = caches[split];
    const hit = cache?.[index];
    if (hit !== undefined) return { pixels: hit, label: e.label };
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(e.file);
    } catch (err) {
      throw new DataError(`${e.file}: cannot read (${(err as Error).message})`);
    }
    const pixels = resizeCenterCrop(decodeImage(bytes, e.file), size);
    if (cache !== null) cache[index] = pixels;
    return { pixels, label: e.label };
  };
  return makeDataset(
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
}
