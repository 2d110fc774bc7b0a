/**
 * An ImageFolder's evaluation split read for `slak eval`: `<path>/val/<class>/<image>` (or
 * `test/`), images decoded when asked for (never all in memory) and put through the official
 * evaluation transform (eval_transform.ts). Class indices are the sorted class folder names of
 * `<path>/train` when it exists (the indices a model trained here uses), else of the evaluation
 * folder itself (as torchvision's `ImageFolder(root/val)`); files are in sorted order per class.
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import { isDir } from "../util/stat.ts";
import type { ImageFolderConfig } from "./config.ts";
import { type EvalTransform, evalTransformImage } from "./eval_transform.ts";
import { decodeImage } from "./image_decode.ts";
import { type ImageFolderEntry, listDir, scanSplit } from "./image_folder.ts";
import { makeDataset } from "./raw_dataset.ts";
import type { Dataset, Normalize, RawSample } from "./types.ts";

/** An evaluation split: the data set (its `test` split) and the files in sample order. */
export interface EvalFolder {
  /** The images as a data set whose `test` split is the evaluation folder (`train` is empty). */
  dataset: Dataset;
  /** Image paths in sample order. */
  files: readonly string[];
  /** The folder read. */
  dir: string;
}

/**
 * Opens the evaluation split of an ImageFolder tree with the official evaluation transform.
 * @throws DataError when there is no `val/` (or `test/`) folder or it holds no images
 */
export async function openEvalFolder(
  config: Pick<ImageFolderConfig, "path">,
  normalize: Normalize,
  transform: EvalTransform,
): Promise<EvalFolder> {
  const root = config.path;
  let dir = `${root}/val`;
  if (!(await isDir(dir))) {
    if (await isDir(`${root}/test`)) dir = `${root}/test`;
    else {
      throw new DataError(
        `data.path ${root}: missing ${root}/val/<class>/<image> (the evaluation split; PNG or JPEG)`,
      );
    }
  }
  const trainDir = `${root}/train`;
  const classes = (await isDir(trainDir))
    ? (await listDir(trainDir)).filter((e) => e.isDirectory).map((e) => e.name)
    : null;
  const split = await scanSplit(dir, classes !== null && classes.length > 0 ? classes : null);
  const entries: readonly ImageFolderEntry[] = split.entries;
  const raw = (_split: string, index: number): RawSample => {
    const e = entries[index]!;
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(e.file);
    } catch (err) {
      throw new DataError(`${e.file}: cannot read (${(err as Error).message})`);
    }
    return {
      pixels: evalTransformImage(decodeImage(bytes, e.file), transform, e.file),
      label: e.label,
    };
  };
  const dataset = makeDataset(
    {
      name: `imagefolder:${root.split("/").filter((s) => s.length > 0).pop() ?? root}`,
      classNames: split.classes,
      inChannels: 3,
      height: transform.size,
      width: transform.size,
      sizes: { train: 0, test: entries.length },
      raw,
    },
    normalize,
    { crop: null, flip: false },
  );
  return { dataset, files: entries.map((e) => e.file), dir };
}
