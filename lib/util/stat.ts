/**
 * Questions about a path that answer yes or no: does it exist, is it a file, is it a folder.
 * {@link exists} tells a missing path from an unreadable one (it throws for the latter); the
 * others answer false for any path they cannot stat.
 *
 * @module
 */

/** True when `path` exists; false when it is missing; any other stat error is thrown. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** True when `path` can be stat'ed (false when it is missing or cannot be reached). */
export function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is a file (false when it is not, is missing or cannot be reached). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** True when `path` is a folder (false when it is not, is missing or cannot be reached). */
export async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** Whether `dir` is missing or holds no entry. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return true;
    throw e;
  }
}
