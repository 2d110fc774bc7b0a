/**
 * Small helpers shared by the unpickler and its allow-list.
 *
 * @module
 */

/** Sets `obj[key] = value` as an own data property (safe for `__proto__`). */
export function defineField(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return "tuple/list";
  if (v instanceof Map) return "dict";
  if (typeof v === "object" && "qualname" in v) {
    return `global ${(v as { qualname: string }).qualname}`;
  }
  return typeof v;
}
