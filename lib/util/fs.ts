/**
 * File helpers: atomic writes (temp file + rename) so that results and checkpoints are either
 * complete or absent, never half written; the one mapping of environment errors (disk full,
 * read-only, permission denied) to {@link EnvironmentError}; and a writability probe.
 *
 * @module
 */
import { dirname } from "node:path";
import { EnvironmentError, EXIT, UserError } from "./errors.ts";

/** Cause text and exit code of each environment errno (Linux numbers for the fallback). */
const ENVIRONMENT_CAUSES: Record<string, { cause: string; exitCode: number; errno: number }> = {
  ENOSPC: { cause: "no space left on device", exitCode: EXIT.ioError, errno: 28 },
  EDQUOT: { cause: "disk quota exceeded", exitCode: EXIT.ioError, errno: 122 },
  EROFS: { cause: "read-only file system", exitCode: EXIT.cantCreate, errno: 30 },
  EACCES: { cause: "permission denied", exitCode: EXIT.cantCreate, errno: 13 },
  EPERM: { cause: "operation not permitted", exitCode: EXIT.cantCreate, errno: 1 },
};

function environmentCode(e: unknown): string | null {
  if (!(e instanceof Error)) return null;
  if (e.name === "NotCapable") return "NotCapable";
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && code in ENVIRONMENT_CAUSES) return code;
  const m = /\(os error (\d+)\)/.exec(e.message);
  if (m) {
    const n = Number(m[1]);
    for (const [name, c] of Object.entries(ENVIRONMENT_CAUSES)) if (c.errno === n) return name;
  }
  return null;
}

/** The path and operation a Deno file-system error names (`...: mkdir '/a/b'`), if any. */
function parseMessage(message: string): { path: string | null; reading: boolean } {
  const op = /: (\w+) '([^']+)'(?: -> '[^']+')?$/.exec(message);
  if (op) return { path: op[2]!, reading: /^(read|stat|lstat|realpath)/.test(op[1]!) };
  const capable = /Requires (\w+) access to "([^"]+)"/.exec(message);
  if (capable) return { path: capable[2]!, reading: capable[1] === "read" };
  return { path: null, reading: false };
}

/**
 * The {@link EnvironmentError} for `e` when it is one (ENOSPC, EDQUOT, EROFS, EACCES, EPERM, or
 * Deno's NotCapable for a path outside `--allow-write`), else null. The message is one line naming
 * `path` (else the path in Deno's message) and the cause, e.g.
 * `Cannot write out/y.npy: no space left on device (ENOSPC)`. `action` defaults to "write", or
 * "read" when Deno's message names a reading operation.
 */
export function describeFsError(
  e: unknown,
  path: string | null = null,
  action?: string,
): EnvironmentError | null {
  if (e instanceof EnvironmentError) return e;
  const code = environmentCode(e);
  if (code === null) return null;
  const parsed = parseMessage((e as Error).message);
  const where = path ?? parsed.path;
  const verb = action ?? (parsed.reading ? "read" : "write");
  const target = where === null ? "" : ` ${where}`;
  if (code === "NotCapable") {
    return new EnvironmentError(
      `Cannot ${verb}${target}: Deno has no permission for it (see --allow-${
        parsed.reading ? "read" : "write"
      } / --deny-${parsed.reading ? "read" : "write"})`,
      code,
      where,
      EXIT.cantCreate,
    );
  }
  const c = ENVIRONMENT_CAUSES[code]!;
  return new EnvironmentError(
    `Cannot ${verb}${target}: ${c.cause} (${code})`,
    code,
    where,
    c.exitCode,
  );
}

/** True when `e` is an environment error (see {@link describeFsError}). */
export function isEnvironmentError(e: unknown): boolean {
  return e instanceof EnvironmentError || environmentCode(e) !== null;
}

function statOrNull(path: string, target: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw describeFsError(e, target, "reach") ?? e;
  }
}

/** The folder a write to `path` lands in: `path` itself for a folder, else its parent. */
function nearestExistingFolder(path: string, folder: boolean): string {
  let dir = folder ? path : dirname(path);
  for (;;) {
    const st = statOrNull(dir, path);
    if (st !== null) {
      if (!st.isDirectory) throw new UserError(`Cannot write ${path}: ${dir} is not a folder`);
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) return dir;
    dir = up;
  }
}

/**
 * Checks, before a long computation, that output can be written at `path`: a file (`folder`
 * false) or an output folder that may not exist yet (`folder` true). Creates and removes a probe
 * file in the nearest existing folder and creates nothing else. Throws an
 * {@link EnvironmentError} naming `path` when that folder is not writable, and a
 * {@link UserError} when a file path names a folder or sits under a file.
 */
export function probeWritable(path: string, folder = false): void {
  if (!folder && statOrNull(path, path)?.isDirectory) {
    throw new UserError(`Cannot write ${path}: it is a folder; give a file name`);
  }
  const dir = nearestExistingFolder(path, folder);
  const probe = `${dir}/.slak-probe-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.openSync(probe, { write: true, createNew: true }).close();
  } catch (e) {
    throw describeFsError(e, path) ?? e;
  }
  try {
    Deno.removeSync(probe);
  } catch { /* gone */ }
}

let counter = 0;

function tempPath(path: string): string {
  counter++;
  return `${path}.tmp-${Deno.pid}-${Date.now()}-${counter}`;
}

/**
 * Writes bytes to `path` atomically (temp file in the same folder, fsync, rename). A full disk,
 * read-only folder or missing permission throws an {@link EnvironmentError} naming `path`.
 */
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
    throw describeFsError(e, path) ?? e;
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
