/**
 * Config patches: `dotted.path: value` pairs applied to a plain object, creating intermediate
 * objects as needed. Patches are not checked here: the merged config is validated strictly when
 * it is resolved, so a misspelt path in a spec is reported there with the valid fields.
 *
 * @module
 */
import { ConfigError } from "../util/errors.ts";
import type { Patch } from "./spec.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Returns a copy of `base` with every `path: value` of `patch` set (in order). */
export function applyPatch(
  base: Record<string, unknown>,
  patch: Patch,
  where: string,
): Record<string, unknown> {
  const root = structuredClone(base);
  for (const [path, value] of Object.entries(patch)) {
    const segs = path.split(".");
    let node: Record<string, unknown> = root;
    for (let i = 0; i < segs.length - 1; i++) {
      const s = segs[i]!;
      if (node[s] === undefined || node[s] === null) node[s] = {};
      const next = node[s];
      if (!isObject(next)) {
        throw new ConfigError(
          `${where}: cannot set "${path}": "${segs.slice(0, i + 1).join(".")}" is not a mapping`,
        );
      }
      node = next;
    }
    node[segs[segs.length - 1]!] = structuredClone(value);
  }
  return root;
}

/** The value at a dotted path, or undefined. */
export function getPath(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const s of path.split(".")) {
    if (!isObject(node)) return undefined;
    node = node[s];
  }
  return node;
}
