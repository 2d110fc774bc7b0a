/**
 * Helpers of the segmentation data tests: a generator whose `uniform()` draws follow a script
 * (so tests can choose mmseg's random outcomes), temp folders and small ADE20K-format trees.
 */
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import { Rng } from "../../../lib/util/rng.ts";

/** An Rng whose `uniform()` returns the scripted values in order (and throws when they run out). */
export class ScriptRng extends Rng {
  readonly #vals: number[];
  /** @param vals the values `uniform()` returns, in order */
  constructor(vals: number[]) {
    super([1, 2, 3, 4]);
    this.#vals = [...vals];
  }
  /** Remaining scripted values. */
  get left(): number {
    return this.#vals.length;
  }
  override uniform(): number {
    const v = this.#vals.shift();
    if (v === undefined) throw new Error("ScriptRng: script exhausted");
    return v;
  }
}

/** Runs `fn` in a fresh temp folder and removes it afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "slak_seg_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** PNG bytes of a gray 8-bit map. */
export function grayPng(width: number, height: number, data: Uint8Array): Uint8Array {
  return encodePng({ width, height, data, channels: 1, depth: 8 });
}

/** PNG bytes of an 8-bit palette map (indices in `data`). */
export function palettePng(width: number, height: number, data: Uint8Array): Uint8Array {
  const palette = Array.from({ length: 256 }, (_, i) => [i, 255 - i, (i * 7) % 256]);
  return encodePng({ width, height, data, channels: 1, depth: 8, palette });
}

/** PNG bytes of an RGB image. */
export function rgbPng(width: number, height: number, data: Uint8Array): Uint8Array {
  return encodePng({ width, height, data, channels: 3, depth: 8 });
}

/** JPEG bytes of a flat RGB image of one colour. */
export function flatJpeg(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return jpeg.encode({ data, width, height }, 95).data;
}

/** Label value of pixel `p` of annotation `i` in {@link writeAdeTree}: 0..3, then 255 at p = 5. */
export function adeLabelValue(i: number, p: number): number {
  return p === 5 ? 255 : (i + p) % 4;
}

/**
 * Writes an ADE20K-format tree under `root`: `train` and `val` pairs of 6×4 images (names
 * `ADE_<split>_<i>`), JPEG for training, PNG for validation, annotations as gray PNGs with values
 * {@link adeLabelValue} (validation annotations as palette PNGs).
 */
export async function writeAdeTree(root: string, train: number, val: number): Promise<void> {
  for (const [sub, n] of [["training", train], ["validation", val]] as const) {
    await Deno.mkdir(`${root}/images/${sub}`, { recursive: true });
    await Deno.mkdir(`${root}/annotations/${sub}`, { recursive: true });
    for (let i = 0; i < n; i++) {
      const name = `ADE_${sub}_${String(i).padStart(4, "0")}`;
      const lab = Uint8Array.from({ length: 24 }, (_, p) => adeLabelValue(i, p));
      if (sub === "training") {
        await Deno.writeFile(`${root}/images/${sub}/${name}.jpg`, flatJpeg(6, 4, [200, 100, 50]));
        await Deno.writeFile(`${root}/annotations/${sub}/${name}.png`, grayPng(6, 4, lab));
      } else {
        const img = Uint8Array.from({ length: 72 }, (_, k) => (k * 3 + i) % 256);
        await Deno.writeFile(`${root}/images/${sub}/${name}.png`, rgbPng(6, 4, img));
        await Deno.writeFile(`${root}/annotations/${sub}/${name}.png`, palettePng(6, 4, lab));
      }
    }
  }
}
