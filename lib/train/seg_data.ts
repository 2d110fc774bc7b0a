/**
 * Opening the segmentation data set of a `data` config (`seg_shapes` or `ade20k`) as a
 * {@link SegDataset}: the generated canvases whole (random flip only), an ADE20K folder through
 * mmseg's pipelines scaled by `data.scale`.
 *
 * @module
 */
import type { Normalize } from "../data/types.ts";
import type { SegDataConfig } from "../data/config_types.ts";
import { checkDataSource } from "../data/preflight.ts";
import { openAde20k } from "../data/segmentation/ade20k.ts";
import { ade20kSegDataset, makeSegDataset, type SegDataset } from "../data/segmentation/dataset.ts";
import { SEG_SHAPES_CLASSES, segShapesSet } from "../data/segmentation/generated.ts";
import { scaledPipeline } from "../data/segmentation/pipeline.ts";
import type { PixelNorm } from "../data/segmentation/transforms.ts";
import { IGNORE_INDEX, type SegPair } from "../data/segmentation/types.ts";
import type { Split } from "../data/types.ts";

/** ImageNet statistics in 0..1 units (mmseg's `img_norm_cfg` / 255). */
const IMAGENET_01: Normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** A 0..1-unit normalization in the 0..255 units of the segmentation pipelines. */
export function pixelNormOf(n: Normalize | undefined): PixelNorm {
  const v = n ?? IMAGENET_01;
  return { mean: v.mean.map((m) => m * 255), std: v.std.map((s) => s * 255) };
}

/**
 * Opens a segmentation data set.
 * @throws ConfigError for an ADE20K path that is not a folder; DataError for a malformed folder
 * @example
 * ```ts
 * const ds = await openSegDataset({
 *   kind: "seg_shapes", size: 64, style: "filled", labels: "shapes", trainSize: 4, testSize: 2,
 *   seed: 0,
 * });
 * if (ds.numClasses !== 4 || ds.cropSize[0] !== 64) throw new Error("unexpected data set");
 * ```
 */
export async function openSegDataset(config: SegDataConfig): Promise<SegDataset> {
  await checkDataSource(config);
  const norm = pixelNormOf(config.normalize);
  if (config.kind === "seg_shapes") {
    const set = segShapesSet({
      size: config.size,
      style: config.style,
      seed: config.seed,
      sizes: { train: config.trainSize, test: config.testSize },
    });
    if (config.labels === "shapes") {
      return makeSegDataset(
        { name: set.name, classNames: SEG_SHAPES_CLASSES, size: set.size, pair: set.pair },
        { plain: norm },
      );
    }
    const pair = (split: Split, index: number): SegPair => {
      const p = set.pair(split, index);
      const data = p.label.data.map((v) => (v === 0 || v === IGNORE_INDEX ? v : 1));
      return { image: p.image, label: { ...p.label, data } };
    };
    return makeSegDataset(
      { name: `${set.name}-fg`, classNames: ["background", "shape"], size: set.size, pair },
      { plain: norm },
    );
  }
  const folder = await openAde20k(config.path, {
    reduceZeroLabel: config.reduceZeroLabel,
    numClasses: config.numClasses,
  });
  return ade20kSegDataset(folder, { ...scaledPipeline(config.scale), norm });
}
