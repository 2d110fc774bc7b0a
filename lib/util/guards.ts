/**
 * Type guards for values parsed from files (JSON, YAML): narrowing `unknown` to the shapes the
 * readers expect.
 *
 * @module
 */

/** True for a plain object: not null, not an array (a parsed JSON/YAML mapping). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
