/**
 * Where the built-in ablation specs come from: the configs/ablations folder when it is a readable
 * local folder (a checkout, `deno install` from a local path), else the texts embedded in
 * {@link BUILTIN_SPECS} (the CLI started from a URL or a published package, or no read permission
 * for that folder). Both hold the same texts; a test keeps the embedded copy up to date.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { readConfigFile } from "../config/layering.ts";
import { isObject } from "../util/guards.ts";
import { BUILTIN_SPECS } from "./builtin_specs.ts";

/** The local path of `dir` when it is a folder this process may read, else null. */
export function readableLocalFolder(dir: URL): string | null {
  if (dir.protocol !== "file:") return null;
  try {
    return Deno.statSync(dir).isDirectory ? fileURLToPath(dir) : null;
  } catch {
    return null; // missing, or no --allow-read for it
  }
}

/** Names of the built-in specs in `dir` (or embedded, when `dir` cannot be read), sorted. */
export function builtinNamesIn(dir: URL): string[] {
  const local = readableLocalFolder(dir);
  if (local === null) return Object.keys(BUILTIN_SPECS).sort();
  const out: string[] = [];
  for (const e of Deno.readDirSync(local)) {
    if (e.isFile && e.name.endsWith(".yaml")) out.push(e.name.slice(0, -5));
  }
  return out.sort();
}

/** A built-in spec's parsed value and where it was read (a path, or the embedded copy's URL). */
export interface BuiltinSpecValue {
  /** The parsed YAML mapping. */
  value: Record<string, unknown>;
  /** A file path, or `<url> (built in)` for the embedded copy. */
  path: string;
}

/**
 * Reads built-in spec `name` (one of {@link builtinNamesIn}) from `dir`, or from the embedded copy
 * when `dir` cannot be read.
 */
export async function readBuiltinSpec(dir: URL, name: string): Promise<BuiltinSpecValue> {
  const local = readableLocalFolder(dir);
  if (local !== null) {
    const path = fileURLToPath(new URL(`${name}.yaml`, dir));
    return { value: await readConfigFile(path), path };
  }
  const text = BUILTIN_SPECS[name];
  const where = `${new URL(`${name}.yaml`, dir).href} (built in)`;
  // The embedded texts are ours and tested: a failure here is a bug, not the user's input.
  if (text === undefined) throw new Error(`No built-in spec "${name}" at ${where}`);
  const value: unknown = parseYaml(text);
  if (!isObject(value)) throw new Error(`Built-in spec ${where} is not a mapping`);
  return { value, path: where };
}
