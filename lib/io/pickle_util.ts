/**
 * Small helpers shared by the unpickler and its allow-list.
 *
 * @module
 */
import { DataError } from "../util/errors.ts";

/** Throws a DataError `<file>: <msg>` for the file an allow-listed constructor is reading. */
export function failIn(ctx: { readonly name: string }, msg: string): never {
  throw new DataError(`${ctx.name}: ${msg}`);
}

/** Sets `obj[key] = value` as an own data property (safe for `__proto__`). */
export function defineField(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * BUILD with dict state on a plain record: the string keys of every dict in `state` (a dict, or
 * a tuple such as `(dict, slots)`) become own fields of `obj`; other parts are ignored.
 */
export function assignDictState(obj: object, state: unknown): void {
  const parts = Array.isArray(state) ? state : [state];
  for (const part of parts) {
    if (part instanceof Map) {
      for (const [k, v] of part) if (typeof k === "string") defineField(obj, k, v);
    }
  }
}

/** A short description of a value for error messages (its type, never its contents). */
export function describe(v: unknown): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return "tuple/list";
  if (v instanceof Map) return "dict";
  if (typeof v === "object" && "qualname" in v) {
    return `global ${(v as { qualname: string }).qualname}`;
  }
  return typeof v;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Decodes a pickle `LONG1`/`LONG4` payload: a little-endian two's-complement integer. Linear in
 * the length (one hex string parsed once); a `number` when it is a safe integer, else a `bigint`.
 */
export function decodeLong(raw: Uint8Array): number | bigint {
  const n = raw.length;
  if (n === 0) return 0;
  const negative = (raw[n - 1]! & 0x80) !== 0;
  if (n <= 6) {
    let v = 0;
    for (let k = n - 1; k >= 0; k--) v = v * 256 + raw[k]!;
    return negative ? v - 2 ** (8 * n) : v;
  }
  const digits = new Array<string>(n);
  for (let k = 0; k < n; k++) digits[k] = HEX[raw[n - 1 - k]!]!;
  let v = BigInt(`0x${digits.join("")}`);
  if (negative) v -= 1n << BigInt(8 * n);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}
