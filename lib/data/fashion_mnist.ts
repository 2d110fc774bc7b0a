/**
 * Fashion-MNIST from its four IDX files (Debian's `dataset-fashion-mnist` by default), 28×28
 * gray, 10 classes; optionally on a cluttered large canvas (see `cluttered.ts`).
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";
import { drawLayout, renderCanvas } from "./cluttered.ts";
import type { FashionMnistConfig } from "./config.ts";
import { readIdxFile } from "./idx.ts";
import { makeDataset } from "./raw_dataset.ts";
import type { Dataset, Normalize, RawSample, Split } from "./types.ts";

/** Fashion-MNIST class names. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

const FILES: Record<Split, [string, string]> = {
  train: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
  test: ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
};

interface Part {
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

async function readPart(dir: string, split: Split, limit: number | undefined): Promise<Part> {
  const [imgName, labName] = FILES[split];
  const images = await readIdxFile(dir, imgName, 3);
  const labels = await readIdxFile(dir, labName, 1);
  const [n, h, w] = images.shape as [number, number, number];
  if (h !== 28 || w !== 28) {
    throw new DataError(`${dir}/${imgName}: images are ${h}×${w}, Fashion-MNIST's are 28×28`);
  }
  if (labels.shape[0] !== n) {
    throw new DataError(
      `${dir}: ${imgName} has ${n} images but ${labName} has ${labels.shape[0]} labels`,
    );
  }
  if (n === 0) throw new DataError(`${dir}/${imgName}: no images`);
  const bad = labels.data.findIndex((v) => v >= 10);
  if (bad >= 0) {
    throw new DataError(`${dir}/${labName}: label ${labels.data[bad]} at ${bad} is not in 0..9`);
  }
  const key = split === "train" ? "trainSize" : "testSize";
  if (limit !== undefined && limit > n) {
    throw new DataError(`data.${key} = ${limit} but ${dir} has only ${n} ${split} images`);
  }
  const m = limit ?? n;
  return { images: images.data.subarray(0, m * 784), labels: labels.data.subarray(0, m), n: m };
}

/** Opens Fashion-MNIST (the first `trainSize` / `testSize` items of each split). */
export async function openFashionMnist(
  config: FashionMnistConfig,
  normalize: Normalize,
): Promise<Dataset> {
  try {
    const st = await Deno.stat(config.path);
    if (!st.isDirectory) throw new DataError(`data.path ${config.path} is not a folder`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(
        `data.path ${config.path} does not exist: expected a folder with train-images-idx3-ubyte.gz, ` +
          "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz " +
          "(Debian: apt-get install dataset-fashion-mnist)",
      );
    }
    throw e;
  }
  const parts: Record<Split, Part> = {
    train: await readPart(config.path, "train", config.trainSize),
    test: await readPart(config.path, "test", config.testSize),
  };
  const item = (split: Split, i: number) => parts[split].images.subarray(i * 784, (i + 1) * 784);
  const canvas = config.canvas;
  const side = canvas === null ? 28 : canvas.size;
  const raw = (split: Split, index: number): RawSample => {
    const p = parts[split];
    const label = p.labels[index]!;
    if (canvas === null) return { pixels: item(split, index), label };
    const rng = Rng.stream(config.seed, `cluttered/${split}/${index}`);
    const box = { h: 28, w: 28 };
    const layout = drawLayout(canvas, box, index, p.n, rng);
    return {
      pixels: renderCanvas(canvas, box, layout, item(split, index), (i) => item(split, i)),
      label,
    };
  };
  return makeDataset(
    {
      name: canvas === null ? "fashion_mnist" : `fashion_mnist_cluttered${side}`,
      classNames: FASHION_MNIST_CLASSES,
      inChannels: 1,
      height: side,
      width: side,
      sizes: { train: parts.train.n, test: parts.test.n },
      raw,
    },
    normalize,
    config.augment,
  );
}
