/**
 * Quoting text and numbers taken from files (names, keys, headers, sizes) for one-line error
 * messages: control characters are escaped, so a crafted name cannot drive the terminal, long
 * values are cut, so one message stays one readable line, and integers are printed exactly.
 *
 * @module
 */

/** Default cap on the characters of one quoted value. */
export const QUOTE_MAX_CHARS = 120;

/** Default cap on the items of one quoted list. */
export const QUOTE_MAX_ITEMS = 8;

/** Integers up to this many bits are printed in full; larger ones by their size. */
const MAX_EXACT_BITS = 256n;

/** True for a code unit a terminal may act on or that hides text (C0, DEL, C1, bidi, ...). */
function isUnsafe(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0xfeff;
}

function escapeUnit(c: number): string {
  switch (c) {
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
  }
  const hex = c.toString(16);
  return c < 0x100 ? `\\x${hex.padStart(2, "0")}` : `\\u${hex.padStart(4, "0")}`;
}

function escapeCut(s: string, maxLen: number, quote: boolean): { text: string; cut: boolean } {
  let end = Math.min(s.length, Math.max(0, maxLen));
  // do not cut a surrogate pair in two
  if (end < s.length && end > 0 && (s.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
  let out = "";
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += "\\\\";
    else if (c === 0x22 && quote) out += '\\"';
    else if (isUnsafe(c)) out += escapeUnit(c);
    else if ((c & 0xfc00) === 0xd800) {
      const d = i + 1 < end ? s.charCodeAt(i + 1) : 0;
      if ((d & 0xfc00) === 0xdc00) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += escapeUnit(c);
    } else if ((c & 0xfc00) === 0xdc00) out += escapeUnit(c);
    else out += s[i]!;
  }
  return { text: out, cut: end < s.length };
}

/**
 * `s` with control characters (and lone surrogates) written as `\xNN` / `\uNNNN` escapes,
 * backslashes doubled, and at most `maxLen` characters of `s` kept (then `...`). Only the kept
 * prefix is scanned, so the cost does not depend on the length of `s`.
 */
export function escapeUntrusted(s: string, maxLen: number = QUOTE_MAX_CHARS): string {
  const { text, cut } = escapeCut(s, maxLen, false);
  return cut ? `${text}...` : text;
}

/**
 * `s` in double quotes for an error message: escaped as {@link escapeUntrusted} (and `"` as
 * `\"`), cut to `maxLen` characters, and followed by its full length when cut.
 */
export function quoteUntrusted(s: string, maxLen: number = QUOTE_MAX_CHARS): string {
  const { text, cut } = escapeCut(s, maxLen, true);
  return cut ? `"${text}"... (${s.length} characters)` : `"${text}"`;
}

/**
 * An integer from a file, printed exactly (an integral `number` beyond 2^53 is printed as the
 * exact value it holds, never in rounded form); integers beyond 2^256 are described by their
 * size, so a huge value cannot flood the message. Non-integers print as `String(v)`.
 */
export function formatInt(v: number | bigint): string {
  if (typeof v === "number") {
    if (!Number.isFinite(v) || !Number.isInteger(v) || Number.isSafeInteger(v)) return String(v);
    return BigInt(v).toString();
  }
  const mag = v < 0n ? -v : v;
  if (mag >> MAX_EXACT_BITS === 0n) return v.toString();
  return `${v < 0n ? "-" : ""}<integer of ${mag.toString(16).length * 4} bits>`;
}

/**
 * A list from a file (a shape, a stride, a few names) as `[a,b,c]`, at most `maxItems` items
 * (then `,...(+N more)`): numbers via {@link formatInt}, strings via {@link quoteUntrusted},
 * anything else by its type.
 */
export function listUntrusted(
  items: readonly unknown[],
  maxItems: number = QUOTE_MAX_ITEMS,
): string {
  const shown = items.slice(0, Math.max(0, maxItems)).map((v) =>
    typeof v === "number" || typeof v === "bigint"
      ? formatInt(v)
      : typeof v === "string"
      ? quoteUntrusted(v)
      : v === null
      ? "None"
      : typeof v
  );
  const more = items.length - shown.length;
  return `[${shown.join(",")}${more > 0 ? `,...(+${more} more)` : ""}]`;
}
