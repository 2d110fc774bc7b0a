/**
 * `openDataset`: a `data` config in, a ready {@link Dataset} out.
 *
 * @module
 */
import { openCifar } from "./cifar.ts";
import { type DataConfigInput, resolveDataConfig } from "./config.ts";
import { openFashionMnist } from "./fashion_mnist.ts";
import { openImageFolder } from "./image_folder.ts";
import { openNpy } from "./npy_dataset.ts";
import { openPathfinder, type Progress } from "./pathfinder_dataset.ts";
import { openShapes } from "./shapes_dataset.ts";
import type { Dataset } from "./types.ts";
import { ConfigError } from "../util/errors.ts";

/** Options of {@link openDataset}. */
export interface OpenOptions {
  /** Receives progress lines (Pathfinder cache generation). */
  onProgress?: Progress;
}

/**
 * Opens the data set a `data` config describes (parsed and defaulted here, so a raw config
 * section or an already parsed one both work).
 * @throws ConfigError for an invalid config, DataError for missing or malformed files
 * @example
 * ```ts
 * const ds = await openDataset({ kind: "pathfinder", size: 32, trainSize: 4, testSize: 2 });
 * const { image, label } = ds.load("train", 1);
 * if (image.length !== 32 * 32 || label !== 1) throw new Error("unexpected sample");
 * ```
 */
export async function openDataset(
  config: DataConfigInput,
  options: OpenOptions = {},
): Promise<Dataset> {
  const c = resolveDataConfig(config);
  switch (c.kind) {
    case "pathfinder":
      return await openPathfinder(c, c.normalize, options.onProgress);
    case "shapes":
      return openShapes(c, c.normalize);
    case "fashion_mnist":
      return await openFashionMnist(c, c.normalize);
    case "cifar":
      return await openCifar(c, c.normalize);
    case "imagefolder":
      return await openImageFolder(c, c.normalize);
    case "npy":
      return openNpy(c, c.normalize);
    case "seg_shapes":
    case "ade20k":
      throw new ConfigError(
        `data.kind: "${c.kind}" is a segmentation data set; set task.kind: segmentation ` +
          `(classification kinds: pathfinder, shapes, fashion_mnist, cifar, imagefolder, npy)`,
      );
  }
}
