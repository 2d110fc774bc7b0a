/**
 * Config layering: defaults ← `--config FILE` (YAML or JSON) ← repeatable `--set path=value`
 * (value parsed as YAML). Strict: an override may only name a key that exists in the layer below,
 * and the result is validated against a zod schema whose issues are turned into one clear line.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { choices, ConfigError } from "../util/errors.ts";

/** A plain JSON-like object. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads a YAML or JSON config file (JSON is YAML). Errors name the file.
 */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new ConfigError(`Config file not found: ${path}`);
    throw new ConfigError(`Cannot read config file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0];
    throw new ConfigError(`Cannot parse config file ${path}: ${msg}`);
  }
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw new ConfigError(`Config file ${path} must hold a mapping of field: value pairs`);
  }
  return value;
}

/** One parsed `--set path=value`. */
export interface SetOverride {
  /** Dotted path split into segments (numeric segments index arrays). */
  path: string[];
  /** Value parsed as YAML. */
  value: unknown;
  /** The original text, for error messages. */
  text: string;
}

/** Parses `path=value` (value as YAML, so `[61,59,57,13]`, `null`, `1e-3`, `true` work). */
export function parseSet(text: string): SetOverride {
  const eq = text.indexOf("=");
  if (eq <= 0) {
    throw new ConfigError(`--set "${text}": expected path=value (e.g. --set sparsity=0.5)`);
  }
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = parseYaml(raw);
  } catch (e) {
    throw new ConfigError(`--set "${text}": cannot parse value: ${(e as Error).message}`);
  }
  if (value === undefined) value = null;
  return { path: key.split("."), value, text };
}

/**
 * Deep-merges `over` into a copy of `base`. Keys of `over` must exist in `base` (unknown keys are
 * reported with the valid ones), except under paths listed in `open` (free-form maps).
 */
export function mergeStrict(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  where: string,
  prefix: string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const path = [...prefix, k];
    if (!(k in base)) {
      throw new ConfigError(
        `${where}: unknown field "${path.join(".")}"; valid fields${
          prefix.length ? ` of "${prefix.join(".")}"` : ""
        }: ${choices(Object.keys(base))}`,
      );
    }
    const b = base[k];
    out[k] = isObject(b) && isObject(v) ? mergeStrict(b, v, where, path) : v;
  }
  return out;
}

/** Applies one `--set` override strictly (the path must exist, array indexes must be in range). */
export function applySet(
  base: Record<string, unknown>,
  set: SetOverride,
): Record<string, unknown> {
  const root = structuredClone(base);
  let node: unknown = root;
  for (let i = 0; i < set.path.length; i++) {
    const seg = set.path[i]!;
    const last = i === set.path.length - 1;
    const here = set.path.slice(0, i + 1).join(".");
    if (Array.isArray(node)) {
      const idx = Number(seg);
      if (!Number.isInteger(idx) || idx < 0 || idx >= node.length) {
        throw new ConfigError(
          `--set "${set.text}": index "${seg}" of "${set.path.slice(0, i).join(".")}" must be 0..${
            node.length - 1
          }`,
        );
      }
      if (last) node[idx] = set.value;
      else node = node[idx];
    } else if (isObject(node)) {
      if (!(seg in node)) {
        const parent = set.path.slice(0, i).join(".");
        throw new ConfigError(
          `--set "${set.text}": unknown field "${here}"; valid fields${
            parent ? ` of "${parent}"` : ""
          }: ${choices(Object.keys(node))}`,
        );
      }
      if (last) {
        const cur = node[seg];
        node[seg] = isObject(cur) && isObject(set.value)
          ? mergeStrict(cur, set.value, `--set "${set.text}"`, set.path)
          : set.value;
      } else node = node[seg];
    } else {
      throw new ConfigError(
        `--set "${set.text}": "${set.path.slice(0, i).join(".")}" has no fields`,
      );
    }
  }
  return root;
}

/**
 * Validates `value` with `schema`; on failure throws one ConfigError listing every issue as
 * `field: message` (e.g. `kernelSizes: expected 4 items`).
 */
export function validate<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: string,
): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const parts = r.error.issues.map((iss) => {
    const path = iss.path.map(String).join(".");
    return path ? `${path}: ${describeIssue(iss)}` : describeIssue(iss);
  });
  throw new ConfigError(`${where}: ${parts.join("; ")}`);
}

function describeIssue(iss: z.core.$ZodIssue): string {
  if (iss.code === "unrecognized_keys") {
    return `unknown field${iss.keys.length > 1 ? "s" : ""} ${choices(iss.keys)}`;
  }
  if (iss.code === "invalid_value") {
    return `must be ${choices(iss.values.map(String))}`;
  }
  if (iss.code === "invalid_union" && "discriminator" in iss) {
    return `${iss.message}`;
  }
  return iss.message;
}
