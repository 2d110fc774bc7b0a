/**
 * Canonical JSON (object keys sorted, no whitespace) and short content hashes: the run id of a
 * planned run and the hash of a spec are both taken over canonical JSON, so they do not depend on
 * key order in YAML files or on the order in which overrides were applied.
 *
 * @module
 */
import { createHash } from "node:crypto";

function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canon(x);
    }
    return out;
  }
  if (typeof v === "number" && !Number.isFinite(v)) {
    throw new RangeError(`canonicalJson: non-finite number ${v}`);
  }
  return v;
}

/**
 * JSON with object keys sorted recursively and `undefined` members dropped.
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canon(value));
}

/** SHA-256 of `text` as lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The first `length` hex digits (default 12) of the SHA-256 of the canonical JSON of `value`. */
export function shortHash(value: unknown, length = 12): string {
  return sha256Hex(canonicalJson(value)).slice(0, length);
}
