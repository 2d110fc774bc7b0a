/**
 * `checkDataSource`: checks, before a run creates anything, that the files and folders a data
 * config points at are there (what the loaders open first), so that a mistyped `data.path` fails
 * with one clear line instead of after an output folder was made. Reads only directory entries
 * and file metadata; creates nothing. The loaders still check contents when they open the data.
 *
 * @module
 */
import { ConfigError, DataError } from "../util/errors.ts";
import { cifarFiles } from "./cifar.ts";
import { checkNpyNormalize } from "./npy_dataset.ts";
import type {
  CifarConfig,
  DataConfig,
  FashionMnistConfig,
  ImageFolderConfig,
  PathfinderConfig,
} from "./config.ts";

/** What a path is: a folder, a file, missing, or unreadable (with the reason). */
type PathKind = "dir" | "file" | "missing" | { error: string };

async function kindOf(path: string): Promise<PathKind> {
  try {
    const st = await Deno.stat(path);
    return st.isDirectory ? "dir" : "file";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "missing";
    return { error: (e as Error).message };
  }
}

/** Throws unless `path` (the value of `data.<field>`) is a readable folder. */
async function requireFolder(path: string, field: string, expected: string): Promise<void> {
  const k = await kindOf(path);
  if (k === "dir") return;
  const what = k === "missing"
    ? "does not exist"
    : k === "file"
    ? "is a file, not a folder"
    : `cannot be read (${k.error})`;
  throw new DataError(`data.${field} ${path} ${what}: expected ${expected}`);
}

/**
 * An ADE20K root that is not a folder is a ConfigError (the configs ship a placeholder path that
 * the user replaces with `--set data.path=...`).
 */
async function checkAde20kRoot(path: string): Promise<void> {
  const k = await kindOf(path);
  if (k === "dir") return;
  throw new ConfigError(
    `data.path ${path} is not a folder: expected an ADE20K-format root with images/training, ` +
      `images/validation, annotations/training and annotations/validation; ` +
      `set it with --set data.path=/path/to/ADEChallengeData2016`,
  );
}

async function classFolders(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !e.name.startsWith(".")) out.push(e.name);
    }
  } catch (e) {
    throw new DataError(`data.path: cannot list ${dir} (${(e as Error).message})`);
  }
  return out.sort();
}

/** The four IDX files of Fashion-MNIST (each `.gz` or uncompressed). */
const FASHION_MNIST_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
] as const;

async function checkFashionMnist(c: FashionMnistConfig): Promise<void> {
  const expected = `a folder with ${FASHION_MNIST_FILES.map((f) => `${f}.gz`).join(", ")} ` +
    "(or the uncompressed files; Debian: apt-get install dataset-fashion-mnist)";
  await requireFolder(c.path, "path", expected);
  const missing: string[] = [];
  for (const f of FASHION_MNIST_FILES) {
    const found = (await kindOf(`${c.path}/${f}.gz`)) === "file" ||
      (await kindOf(`${c.path}/${f}`)) === "file";
    if (!found) missing.push(`${f}.gz`);
  }
  if (missing.length) {
    throw new DataError(
      `data.path ${c.path}: missing ${missing.join(", ")} (or the uncompressed files); ` +
        `expected ${expected}`,
    );
  }
}

/** Archive folder names a CIFAR `data.path` may contain instead of the files themselves. */
const CIFAR_SUBFOLDER: Record<10 | 100, string> = {
  10: "cifar-10-batches-bin",
  100: "cifar-100-binary",
};

async function checkCifar(c: CifarConfig): Promise<void> {
  const files = [...cifarFiles(c.variant).train, ...cifarFiles(c.variant).test];
  const expected = `a CIFAR-${c.variant} binary folder with ${files.join(", ")} (directly or in ` +
    `${CIFAR_SUBFOLDER[c.variant]}/)`;
  await requireFolder(c.path, "path", expected);
  let best: { dir: string; missing: string[] } | null = null;
  for (const dir of [c.path, `${c.path}/${CIFAR_SUBFOLDER[c.variant]}`]) {
    const missing: string[] = [];
    for (const f of files) if ((await kindOf(`${dir}/${f}`)) !== "file") missing.push(f);
    if (missing.length === 0) return;
    if (best === null || missing.length < best.missing.length) best = { dir, missing };
  }
  const where = best!.dir === c.path ? "" : ` (looked in ${best!.dir})`;
  throw new DataError(
    `data.path ${c.path}: missing ${best!.missing.join(", ")}${where}; expected ${expected}`,
  );
}

async function checkImageFolder(c: ImageFolderConfig): Promise<void> {
  const expected = `an ImageFolder tree with ${c.path}/train/<class>/<image> and ` +
    `${c.path}/val/<class>/<image> (PNG or JPEG)`;
  await requireFolder(c.path, "path", expected);
  const train = `${c.path}/train`;
  if ((await kindOf(train)) !== "dir") {
    throw new DataError(`data.path ${c.path}: missing ${train}/; expected ${expected}`);
  }
  const classes = await classFolders(train);
  if (classes.length === 0) {
    throw new DataError(
      `data.path ${c.path}: ${train}/ has no class folders; expected ${expected}`,
    );
  }
  let test = `${c.path}/val`;
  if ((await kindOf(test)) !== "dir") {
    if ((await kindOf(`${c.path}/test`)) === "dir") test = `${c.path}/test`;
    else {
      throw new DataError(
        `data.path ${c.path}: missing ${test}/ (the evaluation split); expected ${expected}`,
      );
    }
  }
  const extra = (await classFolders(test)).filter((k) => !classes.includes(k));
  if (extra.length) {
    throw new DataError(
      `data.path ${c.path}: class folder(s) ${extra.join(", ")} of ${test}/ are not in ${train}/`,
    );
  }
}

async function checkPathfinder(c: PathfinderConfig): Promise<void> {
  if (c.cacheDir === null) return;
  const k = await kindOf(c.cacheDir);
  if (k === "file") {
    throw new DataError(
      `data.cacheDir ${c.cacheDir} is a file: expected a folder (created if missing) for the ` +
        "generated-image cache",
    );
  }
  if (typeof k === "object") {
    throw new DataError(`data.cacheDir ${c.cacheDir} cannot be read (${k.error})`);
  }
}

/**
 * Checks that the files and folders `data` points at exist (Fashion-MNIST: the four IDX files;
 * CIFAR: the binary batches of the variant, directly or in the archive's folder; ImageFolder:
 * `train/` with class folders and `val/` or `test/`; Pathfinder: that `cacheDir`, if set, is not a
 * file; generated shapes: nothing to check). Creates nothing, so a run can call it before its output folder exists.
 * @param data a parsed data config
 * @throws DataError naming the `data` field, the path and what was expected there
 * @example
 * ```ts
 * import { DataConfigSchema } from "./config.ts";
 * const missing = DataConfigSchema.parse({ kind: "cifar", path: "/nowhere" });
 * const err = await checkDataSource(missing).then(() => null, (e: Error) => e);
 * // DataError: data.path /nowhere does not exist: expected a CIFAR-10 binary folder with ...
 * if (err?.name !== "DataError" || !err.message.startsWith("data.path /nowhere")) throw err;
 * ```
 */
export async function checkDataSource(data: DataConfig): Promise<void> {
  switch (data.kind) {
    case "pathfinder":
      return await checkPathfinder(data);
    case "shapes":
      return;
    case "fashion_mnist":
      return await checkFashionMnist(data);
    case "cifar":
      return await checkCifar(data);
    case "imagefolder":
      return await checkImageFolder(data);
    case "npy":
      return checkNpyNormalize(data); // reads and checks the arrays (kept for openDataset)
    case "seg_shapes":
      return;
    case "ade20k":
      return await checkAde20kRoot(data.path);
  }
}
