/**
 * A command's `.npy` files: reading an input (`--input`, a measured ERF), where a missing file or
 * a folder is a one-line DataError (exit 65) naming the path (a malformed file is `readNpy`'s
 * DataError, which names it too), and writing the logits `slak infer` computes.
 *
 * @module
 */
import { encodeNpy, type HostTensor, readNpy } from "../lib/io/mod.ts";
import { DataError } from "../lib/util/errors.ts";
import { writeFileAtomic } from "../lib/util/fs.ts";
import { type CommonFlags, info } from "./_common.ts";

/**
 * Reads and parses the `.npy` file at `path`. A missing file is a DataError with the message
 * `missing` (default `Input file not found: PATH`); other read errors are thrown as they are (an
 * environment error such as EACCES becomes one line with its own exit code in `main`).
 */
export async function readNpyInput(
  path: string,
  missing = `Input file not found: ${path}`,
): Promise<HostTensor> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new DataError(missing);
    if (e instanceof Deno.errors.IsADirectory) {
      throw new DataError(`${path} is a folder; give an .npy file`);
    }
    throw e;
  }
  return readNpy(bytes, path);
}

/** Writes `n` rows of float32 logits as an `[n, classes]` .npy at `path` and says so on stderr. */
export async function writeLogits(
  path: string,
  logits: Float32Array,
  n: number,
  classes: number,
  flags: CommonFlags,
): Promise<void> {
  await writeFileAtomic(path, encodeNpy({ dtype: "float32", shape: [n, classes], data: logits }));
  info(flags, `wrote ${path} [${n}, ${classes}]`);
}
