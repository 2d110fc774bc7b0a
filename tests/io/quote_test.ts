// lib/util/quote.ts: quoting text and numbers from files in error messages.
import assert from "node:assert/strict";
import { escapeUntrusted, formatInt, listUntrusted, quoteUntrusted } from "../../lib/util/quote.ts";
import { hasControlChars } from "./hostile_bytes.ts";

Deno.test("quoteUntrusted() escapes every control character and keeps other text", () => {
  assert.equal(quoteUntrusted("conv.weight"), '"conv.weight"');
  assert.equal(quoteUntrusted("a\x1b[2Jb"), '"a\\x1b[2Jb"');
  assert.equal(quoteUntrusted('q"\\'), '"q\\"\\\\"');
  assert.equal(quoteUntrusted("\n\r\t\x00\x7f\x9b"), '"\\n\\r\\t\\x00\\x7f\\x9b"');
  assert.equal(
    quoteUntrusted("\u202e\u2066\u200b\u2028\ufeff"),
    '"\\u202e\\u2066\\u200b\\u2028\\ufeff"',
  );
  assert.equal(quoteUntrusted("é→😀"), '"é→😀"');
  assert.equal(quoteUntrusted("lone \ud800 \udc00"), '"lone \\ud800 \\udc00"');
  for (let c = 0; c < 0x2100; c++) {
    const q = quoteUntrusted(String.fromCharCode(c));
    assert.ok(!hasControlChars(q), `U+${c.toString(16)}`);
  }
});

Deno.test("quoteUntrusted() cuts long text, without splitting a surrogate pair, in bounded time", () => {
  const long = "x".repeat(10_000_000);
  const t0 = performance.now();
  const q = quoteUntrusted(long, 10);
  assert.ok(performance.now() - t0 < 250, "cost independent of the length");
  assert.equal(q, '"xxxxxxxxxx"... (10000000 characters)');
  assert.equal(quoteUntrusted("abcdefghi😀", 10), '"abcdefghi"... (11 characters)');
  assert.equal(quoteUntrusted("abcdefgh😀", 10), '"abcdefgh😀"');
  assert.equal(escapeUntrusted("ab\x1bcd", 3), "ab\\x1b...");
});

Deno.test("formatInt() prints integers exactly, huge ones by size", () => {
  assert.equal(formatInt(2 ** 60), "1152921504606846976");
  assert.equal(formatInt(2n ** 60n), "1152921504606846976");
  assert.equal(formatInt(-(2 ** 62)), "-4611686018427387904");
  assert.equal(formatInt(12), "12");
  assert.equal(formatInt(1.5), "1.5");
  assert.equal(formatInt(2n ** 256n - 1n), (2n ** 256n - 1n).toString());
  assert.equal(formatInt(2n ** 4000n), "<integer of 4004 bits>");
  assert.equal(formatInt(-(2n ** 4000n)), "-<integer of 4004 bits>");
});

Deno.test("listUntrusted() formats shapes like [a,b] and caps the item count", () => {
  assert.deepEqual(listUntrusted([3, 4]), "[3,4]");
  assert.deepEqual(listUntrusted([]), "[]");
  assert.equal(
    listUntrusted([2n ** 60n, "k\x1b", null, [1]]),
    '[1152921504606846976,"k\\x1b",None,object]',
  );
  const many = listUntrusted(new Array(2_000_000).fill(1));
  assert.equal(many, "[1,1,1,1,1,1,1,1,...(+1999992 more)]");
});
