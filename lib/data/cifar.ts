/**
 * CIFAR-10 and CIFAR-100, binary version (the `cifar-10-batches-bin` / `cifar-100-binary`
 * archives): records of label byte(s) then 3072 bytes of a 32×32 image as R, G, B planes.
 * CIFAR-10: `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`, one label byte.
 * CIFAR-100: `train.bin` and `test.bin`, a coarse then a fine label byte; the fine label is used.
 * The folder may also be the archive's parent (then the archive folder name is looked up).
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import { isFile } from "../util/stat.ts";
import type { CifarConfig } from "./config.ts";
import { makeDataset } from "./raw_dataset.ts";
import type { Dataset, Normalize, RawSample, Split } from "./types.ts";

/** CIFAR-10 class names. */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

const PIXELS = 32 * 32 * 3;

/** The files a CIFAR folder must contain, per split. */
export function cifarFiles(variant: 10 | 100): Record<Split, string[]> {
  return variant === 10
    ? { train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), test: ["test_batch.bin"] }
    : { train: ["train.bin"], test: ["test.bin"] };
}

async function findFolder(path: string, variant: 10 | 100): Promise<string> {
  const first = cifarFiles(variant).test[0]!;
  const sub = variant === 10 ? "cifar-10-batches-bin" : "cifar-100-binary";
  for (const dir of [path, `${path}/${sub}`]) if (await isFile(`${dir}/${first}`)) return dir;
  const all = [...cifarFiles(variant).train, ...cifarFiles(variant).test].join(", ");
  throw new DataError(
    `data.path ${path}: not a CIFAR-${variant} binary folder; it must contain ${all} ` +
      `(directly or in ${sub}/)`,
  );
}

async function readLabelNames(dir: string, variant: 10 | 100): Promise<string[] | null> {
  const file = variant === 10 ? "batches.meta.txt" : "fine_label_names.txt";
  try {
    const names = (await Deno.readTextFile(`${dir}/${file}`)).split(/\r?\n/).map((s) => s.trim())
      .filter((s) => s.length > 0);
    return names.length === variant ? names : null;
  } catch {
    return null;
  }
}

interface Part {
  bytes: Uint8Array;
  n: number;
}

async function readSplit(
  dir: string,
  variant: 10 | 100,
  split: Split,
  limit?: number,
): Promise<Part> {
  const labelBytes = variant === 10 ? 1 : 2;
  const rec = labelBytes + PIXELS;
  const chunks: Uint8Array[] = [];
  for (const f of cifarFiles(variant)[split]) {
    const file = `${dir}/${f}`;
    let b: Uint8Array;
    try {
      b = await Deno.readFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new DataError(
          `${file}: missing; a CIFAR-${variant} folder must contain ${
            cifarFiles(variant)[split].join(", ")
          }`,
        );
      }
      throw new DataError(`${file}: cannot read (${(e as Error).message})`);
    }
    if (b.length === 0 || b.length % rec !== 0) {
      throw new DataError(
        `${file}: ${b.length} bytes is not a whole number of CIFAR-${variant} records of ${rec} bytes ` +
          `(${labelBytes} label byte(s) + 3072 pixels)`,
      );
    }
    for (let off = 0; off < b.length; off += rec) {
      const fine = b[off + labelBytes - 1]!;
      const coarse = b[off]!;
      if (fine >= variant || (variant === 100 && coarse >= 20)) {
        throw new DataError(
          `${file}: record ${off / rec} has label ${
            variant === 10 ? fine : `${coarse}/${fine}`
          }, ` +
            `not a CIFAR-${variant} label (is this the other variant?)`,
        );
      }
    }
    chunks.push(b);
  }
  const total = chunks.reduce((a, c) => a + c.length / rec, 0);
  const key = split === "train" ? "trainSize" : "testSize";
  if (limit !== undefined && limit > total) {
    throw new DataError(`data.${key} = ${limit} but ${dir} has only ${total} ${split} images`);
  }
  const n = limit ?? total;
  // Repack as label + HWC pixels.
  const bytes = new Uint8Array(n * (1 + PIXELS));
  let i = 0;
  for (const c of chunks) {
    for (let off = 0; off < c.length && i < n; off += rec, i++) {
      const o = i * (1 + PIXELS);
      bytes[o] = c[off + labelBytes - 1]!;
      const src = off + labelBytes;
      for (let p = 0; p < 1024; p++) {
        bytes[o + 1 + 3 * p] = c[src + p]!;
        bytes[o + 2 + 3 * p] = c[src + 1024 + p]!;
        bytes[o + 3 + 3 * p] = c[src + 2048 + p]!;
      }
    }
  }
  return { bytes, n };
}

/** Opens CIFAR-10 or CIFAR-100 (fine labels) from the binary files. */
export async function openCifar(config: CifarConfig, normalize: Normalize): Promise<Dataset> {
  const variant = config.variant;
  const dir = await findFolder(config.path, variant);
  const parts: Record<Split, Part> = {
    train: await readSplit(dir, variant, "train", config.trainSize),
    test: await readSplit(dir, variant, "test", config.testSize),
  };
  const names = (await readLabelNames(dir, variant)) ??
    (variant === 10 ? [...CIFAR10_CLASSES] : Array.from({ length: 100 }, (_, i) => `class_${i}`));
  const raw = (split: Split, index: number): RawSample => {
    const o = index * (1 + PIXELS);
    const b = parts[split].bytes;
    return { pixels: b.subarray(o + 1, o + 1 + PIXELS), label: b[o]! };
  };
  return makeDataset(
    {
      name: `cifar${variant}`,
      classNames: names,
      inChannels: 3,
      height: 32,
      width: 32,
      sizes: { train: parts.train.n, test: parts.test.n },
      raw,
    },
    normalize,
    config.augment,
  );
}
