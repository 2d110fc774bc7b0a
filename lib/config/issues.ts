/**
 * Turning zod issues into short phrases for one-line config errors: unknown keys come with the
 * valid fields of the object they were found in (looked up in the schema, following discriminated
 * unions by the value's discriminator), enum and literal mismatches with the allowed values.
 *
 * @module
 */
import type { z } from "zod";
import { choices } from "../util/errors.ts";

/** The parts of a zod schema's definition this module reads (zod 4 `_zod.def`). */
interface SchemaNode {
  _zod: {
    def: {
      type: string;
      innerType?: SchemaNode;
      in?: SchemaNode;
      shape?: Record<string, SchemaNode>;
      valueType?: SchemaNode;
      element?: SchemaNode;
      items?: SchemaNode[];
      options?: SchemaNode[];
      discriminator?: string;
    };
    propValues?: Record<string, Set<unknown>>;
  };
}

/** Definition types that wrap one inner schema without changing the value's shape. */
const WRAPPERS = new Set([
  "default",
  "prefault",
  "optional",
  "nullable",
  "nonoptional",
  "readonly",
  "catch",
]);

function member(value: unknown, key: PropertyKey): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<PropertyKey, unknown>)[key]
    : undefined;
}

/** Strips wrappers and picks the option of a discriminated union that `value` selects. */
function unwrap(node: SchemaNode, value: unknown): SchemaNode | null {
  let s: SchemaNode | undefined = node;
  while (s) {
    const def: SchemaNode["_zod"]["def"] = s._zod.def;
    if (WRAPPERS.has(def.type)) s = def.innerType;
    else if (def.type === "pipe") s = def.in;
    else if (def.type === "union" && def.discriminator !== undefined) {
      const d = def.discriminator;
      const tag = member(value, d);
      s = def.options?.find((o) => o._zod.propValues?.[d]?.has(tag));
    } else return s;
  }
  return null;
}

/**
 * Field names of the object schema found at `path` inside `schema` for `value`, or null when the
 * path does not lead to a fixed-shape object.
 */
export function fieldsAt(
  schema: z.ZodType,
  value: unknown,
  path: readonly PropertyKey[],
): string[] | null {
  let node = unwrap(schema as unknown as SchemaNode, value);
  let v = value;
  for (const seg of path) {
    if (node === null) return null;
    const def = node._zod.def;
    let next: SchemaNode | undefined;
    if (def.type === "object") next = def.shape?.[String(seg)];
    else if (def.type === "record") next = def.valueType;
    else if (def.type === "array") next = def.element;
    else if (def.type === "tuple") next = def.items?.[Number(seg)];
    if (next === undefined) return null;
    v = member(v, seg);
    node = unwrap(next, v);
  }
  return node?._zod.def.type === "object" ? Object.keys(node._zod.def.shape ?? {}) : null;
}

function allowedValue(v: unknown): string | number {
  return typeof v === "number" ? v : String(v);
}

/**
 * One issue as a short phrase (without its path).
 * @param issue the zod issue
 * @param schema the schema that was validated (to list the valid fields of unknown keys)
 * @param value the value that was validated
 */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType, value: unknown): string {
  if (issue.code === "unrecognized_keys") {
    const valid = fieldsAt(schema, value, issue.path);
    const unknown = `unknown field${issue.keys.length > 1 ? "s" : ""} ${choices(issue.keys)}`;
    return valid ? `${unknown}; valid fields: ${choices(valid)}` : unknown;
  }
  if (issue.code === "invalid_value") {
    return `must be ${choices(issue.values.map(allowedValue))}`;
  }
  if (issue.code === "invalid_union") {
    const options = "options" in issue ? issue.options : undefined;
    if (issue.discriminator !== undefined && options?.length) {
      return `must be ${choices(options.map(allowedValue))}`;
    }
    // a union of literals (e.g. 32 | 64 | 128): list every allowed value
    const branches = issue.errors;
    if (
      branches.length > 0 &&
      branches.every((b) => b.length === 1 && b[0]!.code === "invalid_value" && !b[0]!.path.length)
    ) {
      const values = branches.flatMap((b) => (b[0] as z.core.$ZodIssueInvalidValue).values);
      return `must be ${choices(values.map(allowedValue))}`;
    }
  }
  return issue.message;
}
