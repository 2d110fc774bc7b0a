/**
 * Pathfinder as a {@link Dataset}: images are generated on first use and kept in memory (when the
 * split fits in 1 GiB), or, with `cacheDir`, generated once for the whole split and stored in one
 * file per split that later runs read back.
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import type { PathfinderConfig } from "./config.ts";
import { type Difficulty, PATHFINDER_VERSION, pathfinderSample } from "./pathfinder.ts";
import { makeDataset } from "./raw_dataset.ts";
import type { Dataset, Normalize, RawSample, Split } from "./types.ts";

const MAGIC = "SLAKPF01";
const MEMO_LIMIT = 2 ** 30;

/** Progress callback: a short human-readable line. */
export type Progress = (message: string) => void;

interface SplitStore {
  pixels: Uint8Array | null;
  labels: Uint8Array | null;
  done: Uint8Array | null;
}

/** Cache file of one split (its name encodes every parameter and the generator version). */
export function pathfinderCacheFile(config: PathfinderConfig, split: Split): string {
  const n = split === "train" ? config.trainSize : config.testSize;
  return `${config.cacheDir}/pathfinder-v${PATHFINDER_VERSION}-${config.size}-${config.difficulty}` +
    `-seed${config.seed}-${split}-${n}.bin`;
}

function encodeCache(size: number, labels: Uint8Array, pixels: Uint8Array): Uint8Array {
  const head = 16;
  const out = new Uint8Array(head + labels.length + pixels.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, size, true);
  dv.setUint32(12, labels.length, true);
  out.set(labels, head);
  out.set(pixels, head + labels.length);
  return out;
}

function decodeCache(bytes: Uint8Array, size: number, n: number): SplitStore | null {
  const head = 16;
  if (bytes.length !== head + n + n * size * size) return null;
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(8, true) !== size || dv.getUint32(12, true) !== n) return null;
  return {
    labels: bytes.subarray(head, head + n),
    pixels: bytes.subarray(head + n),
    done: null,
  };
}

async function loadOrBuildCache(
  config: PathfinderConfig,
  split: Split,
  progress: Progress | undefined,
): Promise<SplitStore> {
  const file = pathfinderCacheFile(config, split);
  const n = split === "train" ? config.trainSize : config.testSize;
  const s = config.size;
  try {
    const got = decodeCache(await Deno.readFile(file), s, n);
    if (got !== null) return got;
    progress?.(`pathfinder: cache ${file} is malformed, regenerating it`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new DataError(`pathfinder: cannot read cache ${file}: ${(e as Error).message}`);
    }
  }
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * s * s);
  const opts = { size: s, difficulty: config.difficulty as Difficulty, seed: config.seed, split };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const im = pathfinderSample(opts, i);
    labels[i] = im.label;
    pixels.set(im.pixels, i * s * s);
    if (progress && (i + 1) % 5000 === 0) progress(`pathfinder: ${split} ${i + 1}/${n} generated`);
  }
  try {
    await Deno.mkdir(config.cacheDir!, { recursive: true });
    await writeFileAtomic(file, encodeCache(s, labels, pixels));
  } catch (e) {
    throw new DataError(
      `pathfinder: cannot write cache ${file} (data.cacheDir must be a writable folder): ` +
        (e as Error).message,
    );
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  progress?.(`pathfinder: generated ${n} ${split} images in ${secs} s, cached in ${file}`);
  return { labels, pixels, done: null };
}

/** Opens a Pathfinder data set (generating or reading its cache when `cacheDir` is set). */
export async function openPathfinder(
  config: PathfinderConfig,
  normalize: Normalize,
  progress?: Progress,
): Promise<Dataset> {
  const s = config.size;
  const sizes: Record<Split, number> = { train: config.trainSize, test: config.testSize };
  const stores: Record<Split, SplitStore> = {
    train: { pixels: null, labels: null, done: null },
    test: { pixels: null, labels: null, done: null },
  };
  for (const split of ["train", "test"] as const) {
    if (config.cacheDir !== null) {
      stores[split] = await loadOrBuildCache(config, split, progress);
    } else if (sizes[split] * s * s <= MEMO_LIMIT) {
      stores[split] = {
        pixels: new Uint8Array(sizes[split] * s * s),
        labels: new Uint8Array(sizes[split]),
        done: new Uint8Array(sizes[split]),
      };
    }
  }
  const raw = (split: Split, index: number): RawSample => {
    const st = stores[split];
    const off = index * s * s;
    if (st.pixels !== null && st.labels !== null && (st.done === null || st.done[index] === 1)) {
      return { pixels: st.pixels.subarray(off, off + s * s), label: st.labels[index]! };
    }
    const im = pathfinderSample(
      { size: s, difficulty: config.difficulty, seed: config.seed, split },
      index,
    );
    if (st.pixels !== null && st.labels !== null && st.done !== null) {
      st.pixels.set(im.pixels, off);
      st.labels[index] = im.label;
      st.done[index] = 1;
    }
    return { pixels: im.pixels, label: im.label };
  };
  return makeDataset(
    {
      name: `pathfinder${s}-${config.difficulty}`,
      classNames: ["disconnected", "connected"],
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
