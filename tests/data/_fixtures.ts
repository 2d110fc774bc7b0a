/**
 * Tiny data-set fixtures written at test time into a temporary folder: IDX files, CIFAR binary
 * batches and an ImageFolder tree of PNG and JPEG images. Every pixel value is a known function
 * of (sample, position), so tests can check what a loader returns.
 */
import { gzipSync } from "fflate";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";

/** A fresh temporary folder; remove it with `Deno.remove(dir, { recursive: true })`. */
export function tempDir(): Promise<string> {
  return Deno.makeTempDir({ prefix: "slak_data_test_" });
}

/** IDX bytes of unsigned bytes with the given shape. */
export function idxBytes(shape: number[], data: Uint8Array): Uint8Array {
  const head = 4 + 4 * shape.length;
  const out = new Uint8Array(head + data.length);
  out[2] = 0x08;
  out[3] = shape.length;
  const dv = new DataView(out.buffer);
  shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  out.set(data, head);
  return out;
}

/** Pixel value of item `i` at flat position `p` in the fixtures. */
export function fixturePixel(i: number, p: number): number {
  return (i * 37 + p * 11) % 256;
}

/** Writes a Fashion-MNIST-like folder: `nTrain` / `nTest` 28×28 items, label = i % 10. */
export async function writeFashionFixture(
  dir: string,
  nTrain: number,
  nTest: number,
  gzip = true,
): Promise<void> {
  const write = async (prefix: string, n: number, offset: number) => {
    const img = new Uint8Array(n * 784);
    const lab = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      lab[i] = (i + offset) % 10;
      for (let p = 0; p < 784; p++) img[i * 784 + p] = fixturePixel(i + offset, p);
    }
    const files: [string, Uint8Array][] = [
      [`${prefix}-images-idx3-ubyte`, idxBytes([n, 28, 28], img)],
      [`${prefix}-labels-idx1-ubyte`, idxBytes([n], lab)],
    ];
    for (const [name, bytes] of files) {
      if (gzip) await Deno.writeFile(`${dir}/${name}.gz`, gzipSync(bytes));
      else await Deno.writeFile(`${dir}/${name}`, bytes);
    }
  };
  await write("train", nTrain, 0);
  await write("t10k", nTest, 1000);
}

/** One CIFAR record: label byte(s) then R, G, B planes with pixel (y, x, c) = f(i, (y*32+x)*3+c). */
export function cifarRecord(i: number, labels: number[]): Uint8Array {
  const rec = new Uint8Array(labels.length + 3072);
  rec.set(labels, 0);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < 1024; p++) rec[labels.length + c * 1024 + p] = fixturePixel(i, p * 3 + c);
  }
  return rec;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** CIFAR-10 folder: `perBatch` records in each of 5 train batches and `nTest` test records; label = i % 10. */
export async function writeCifar10Fixture(
  dir: string,
  perBatch: number,
  nTest: number,
): Promise<void> {
  let i = 0;
  for (let b = 1; b <= 5; b++) {
    const recs: Uint8Array[] = [];
    for (let k = 0; k < perBatch; k++, i++) recs.push(cifarRecord(i, [i % 10]));
    await Deno.writeFile(`${dir}/data_batch_${b}.bin`, concat(recs));
  }
  const recs: Uint8Array[] = [];
  for (let k = 0; k < nTest; k++) recs.push(cifarRecord(1000 + k, [k % 10]));
  await Deno.writeFile(`${dir}/test_batch.bin`, concat(recs));
}

/** CIFAR-100 folder: coarse label = i % 20, fine label = (i * 7) % 100. */
export async function writeCifar100Fixture(
  dir: string,
  nTrain: number,
  nTest: number,
): Promise<void> {
  const write = async (name: string, n: number, offset: number) => {
    const recs: Uint8Array[] = [];
    for (let k = 0; k < n; k++) {
      const i = k + offset;
      recs.push(cifarRecord(i, [i % 20, (i * 7) % 100]));
    }
    await Deno.writeFile(`${dir}/${name}`, concat(recs));
  };
  await write("train.bin", nTrain, 0);
  await write("test.bin", nTest, 1000);
}

/** A solid-colour RGB image. */
export function solid(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) d.set(rgb, i * 3);
  return d;
}

/** Class colours of the ImageFolder fixture. */
export const FOLDER_COLORS: Record<string, [number, number, number]> = {
  cat: [200, 30, 30],
  dog: [20, 40, 220],
};

/**
 * ImageFolder tree: classes `cat` (PNGs) and `dog` (JPEGs), 3 train and 1 val image each, solid
 * class colours, various sizes (non-square), plus a stray non-image file that must be ignored.
 */
export async function writeImageFolderFixture(dir: string): Promise<void> {
  const sizes: [number, number][] = [[20, 12], [12, 20], [16, 16]];
  for (const split of ["train", "val"]) {
    for (const cls of ["cat", "dog"]) {
      await Deno.mkdir(`${dir}/${split}/${cls}`, { recursive: true });
      const count = split === "train" ? 3 : 1;
      for (let k = 0; k < count; k++) {
        const [w, h] = sizes[k]!;
        const data = solid(w, h, FOLDER_COLORS[cls]!);
        if (cls === "cat") {
          const png = encodePng({ width: w, height: h, data, channels: 3, depth: 8 });
          await Deno.writeFile(`${dir}/${split}/${cls}/img${k}.png`, png);
        } else {
          const rgba = new Uint8Array(w * h * 4);
          for (let i = 0; i < w * h; i++) {
            rgba.set(data.subarray(i * 3, i * 3 + 3), i * 4);
            rgba[i * 4 + 3] = 255;
          }
          const jpg = jpeg.encode({ width: w, height: h, data: rgba }, 95);
          await Deno.writeFile(`${dir}/${split}/${cls}/img${k}.jpg`, new Uint8Array(jpg.data));
        }
      }
    }
  }
  await Deno.writeTextFile(`${dir}/train/cat/notes.txt`, "not an image");
}
