/**
 * File helpers: atomic writes (temp file + rename) so that results and checkpoints are either
 * complete or absent, never half written.
 *
 * @module
 */

let counter = 0;

function tempPath(path: string): string {
  counter++;
  return `${path}.tmp-${Deno.pid}-${Date.now()}-${counter}`;
}

/** Writes bytes to `path` atomically (temp file in the same folder, fsync, rename). */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = tempPath(path);
  try {
    const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let off = 0;
      while (off < data.length) off += await f.write(data.subarray(off));
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Writes text to `path` atomically. */
export function writeTextAtomic(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, new TextEncoder().encode(text));
}

/** Writes `value` as pretty JSON (with a trailing newline) to `path` atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
