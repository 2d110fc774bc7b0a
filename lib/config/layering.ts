/**
 * The one config layering engine. A config is a base value (registry defaults, a config file, a
 * spec's scale base) with overrides applied in order: `--set path=value` flags (value parsed as
 * YAML), a file of fields, the `path: value` pairs of a spec level or of a model's `overrides`.
 * The result is validated against a zod schema whose issues become one clear line.
 *
 * Strict by default: an override must name a key that exists in the config it is applied to
 * (errors list the valid fields) and an array index must be in range; a mapping given for an
 * existing mapping is merged into it key by key under the same rule. Each schema declares its
 * *open paths*: free-form sections (the model `overrides` map, the `data` section whose fields
 * depend on its `kind`) under which an override may create keys and a mapping value replaces what
 * was there; there the schema validation alone catches misspelt fields.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { choices, ConfigError } from "../util/errors.ts";
import { isObject } from "../util/guards.ts";
import { describeIssue } from "./issues.ts";

/** A plain JSON-like object. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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

/** One override: a value for a path of a config, and where it came from. */
export interface Override {
  /** Path segments (numeric segments index arrays); empty = the whole config (a mapping). */
  path: readonly string[];
  /** The new value. */
  value: unknown;
  /** Names the override in error messages, e.g. `--set "sparsity=2"` or `config f.yaml`. */
  source: string;
  /**
   * Short name of the layer for the message of the final validation (`--set`, a file name);
   * omitted when the caller's label already names it (a spec level, a model's `overrides`).
   */
  layer?: string | undefined;
}

/** An override as `path=value` text (a `--set` flag) or already parsed. */
export type OverrideInput = string | Override;

/**
 * Dotted paths of a schema's free-form sections, under which overrides may create keys and a
 * mapping value replaces the section instead of being merged into it (e.g. `model.overrides`).
 */
export type OpenPaths = readonly string[];

/** Parses `path=value` (value as YAML, so `[61,59,57,13]`, `null`, `1e-3`, `true` work). */
export function parseSet(text: string): Override {
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
  return { path: key.split("."), value, source: `--set "${text}"`, layer: "--set" };
}

/** `--set` texts parsed, parsed overrides kept as they are. */
export function toOverrides(inputs: readonly OverrideInput[]): Override[] {
  return inputs.map((o) => typeof o === "string" ? parseSet(o) : o);
}

/**
 * The overrides of a `dotted.path: value` map (a spec level's `set`, a model's `overrides`), in
 * the map's order.
 * @param map the pairs
 * @param source names them in error messages
 */
export function overridesOf(map: Readonly<Record<string, unknown>>, source: string): Override[] {
  return Object.entries(map).map(([key, value]) => ({ path: key.split("."), value, source }));
}

/** One override merging a whole mapping (a config file of fields) into the config. */
export function fileOverride(value: Record<string, unknown>, file: string): Override {
  return { path: [], value, source: `config ${file}`, layer: file };
}

/**
 * The label of a layered config for its validation message: `where` plus the layers that the
 * overrides name (`f.yaml with --set`).
 */
export function layerLabel(where: string, overrides: readonly Override[]): string {
  const layers = [...new Set(overrides.flatMap((o) => o.layer ? [o.layer] : []))];
  return layers.length ? `${where} with ${layers.join(" and ")}` : where;
}

/** Names that would reach an object's prototype instead of a field. */
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

function checkName(ov: Override, path: readonly string[]): void {
  const key = path[path.length - 1]!;
  if (FORBIDDEN.has(key)) {
    throw new ConfigError(`${ov.source}: "${path.join(".")}": "${key}" is not a field name`);
  }
}

function isOpen(open: OpenPaths, path: readonly string[]): boolean {
  return open.some((o) => {
    const segs = o.split(".");
    return segs.length <= path.length && segs.every((s, i) => s === path[i]);
  });
}

function unknownField(
  ov: Override,
  node: Record<string, unknown>,
  path: readonly string[],
): ConfigError {
  const parent = path.slice(0, -1).join(".");
  return new ConfigError(
    `${ov.source}: unknown field "${path.join(".")}"; valid fields${
      parent ? ` of "${parent}"` : ""
    }: ${choices(Object.keys(node))}`,
  );
}

/** The value at `path` after assigning `value` to `cur` there (merging mappings strictly). */
function assign(
  cur: unknown,
  value: unknown,
  path: readonly string[],
  ov: Override,
  open: OpenPaths,
): unknown {
  if (isOpen(open, path) || !isObject(cur) || !isObject(value)) return structuredClone(value);
  for (const [k, v] of Object.entries(value)) {
    const p = [...path, k];
    checkName(ov, p);
    if (!Object.hasOwn(cur, k) && !isOpen(open, p)) throw unknownField(ov, cur, p);
    cur[k] = assign(cur[k], v, p, ov, open);
  }
  return cur;
}

/** Applies one override to `root` in place. */
function applyInPlace(root: Record<string, unknown>, ov: Override, open: OpenPaths): void {
  if (ov.path.length === 0) {
    if (!isObject(ov.value)) {
      throw new ConfigError(`${ov.source}: must be a mapping of field: value pairs`);
    }
    assign(root, ov.value, [], ov, open);
    return;
  }
  let node: unknown = root;
  for (let i = 0; i < ov.path.length; i++) {
    const seg = ov.path[i]!;
    const here = ov.path.slice(0, i + 1);
    const last = i === ov.path.length - 1;
    if (Array.isArray(node)) {
      const idx = Number(seg);
      if (!Number.isInteger(idx) || idx < 0 || idx >= node.length) {
        throw new ConfigError(
          `${ov.source}: index "${seg}" of "${ov.path.slice(0, i).join(".")}" must be 0..${
            node.length - 1
          }`,
        );
      }
      if (last) node[idx] = assign(node[idx], ov.value, here, ov, open);
      else node = node[idx];
    } else if (isObject(node)) {
      checkName(ov, here);
      const open_ = isOpen(open, here);
      if (!Object.hasOwn(node, seg) && !open_) throw unknownField(ov, node, here);
      if (last) node[seg] = assign(node[seg], ov.value, here, ov, open);
      else {
        if (open_ && (node[seg] === undefined || node[seg] === null)) node[seg] = {};
        node = node[seg];
      }
    } else {
      throw new ConfigError(`${ov.source}: "${ov.path.slice(0, i).join(".")}" has no fields`);
    }
  }
}

/**
 * Applies one override (see the module notes for the rules); `base` is not modified.
 * @param base the config
 * @param override the path, value and source
 * @param open the schema's open paths (none: everything strict)
 * @example
 * ```ts
 * const c = applySet({ a: 1, b: { c: [1, 2] } }, parseSet("b.c.1=5"));
 * if ((c.b as { c: number[] }).c[1] !== 5) throw new Error();
 * ```
 */
export function applySet(
  base: Record<string, unknown>,
  override: Override,
  open: OpenPaths = [],
): Record<string, unknown> {
  return applyOverrides(base, [override], open);
}

/** Applies overrides in order (see {@link applySet}); `base` is not modified. */
export function applyOverrides(
  base: Record<string, unknown>,
  overrides: readonly OverrideInput[],
  open: OpenPaths = [],
): Record<string, unknown> {
  const root = structuredClone(base);
  for (const ov of toOverrides(overrides)) applyInPlace(root, ov, open);
  return root;
}

/**
 * Validates `value` with `schema`; on failure throws one ConfigError listing every issue as
 * `field: message` (e.g. `kernelSizes: expected 4 items`; unknown fields come with the valid ones).
 * @param schema the zod schema
 * @param value the value to check
 * @param where the file or label the message starts with (`where: field: ...`); may be empty
 * @param at path of `value` inside a larger config, prefixed to each field (e.g. `["data"]`)
 */
export function validate<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: string,
  at: readonly string[] = [],
): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const parts = r.error.issues.map((iss) => {
    const path = [...at, ...iss.path.map(String)].join(".");
    const text = describeIssue(iss, schema, value);
    return path ? `${path}: ${text}` : text;
  });
  throw new ConfigError(`${where ? `${where}: ` : ""}${parts.join("; ")}`);
}
