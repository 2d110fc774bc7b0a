// Hostile .safetensors headers: sizes beyond 2^53 and escape sequences in tensor names.
import assert from "node:assert/strict";
import { readSafetensors } from "../../lib/io/mod.ts";
import { dataError, hasControlChars } from "./hostile_bytes.ts";

function file(header: string, lenOverride?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

Deno.test("readSafetensors() quotes sizes exactly and refuses 2^62-element shapes", () => {
  const e = dataError(() => readSafetensors(file("{}", 2n ** 60n), "h.safetensors"));
  assert.match(e.message, /^h\.safetensors: header length 1152921504606846976 exceeds/);
  const big = JSON.stringify({
    w: { dtype: "F32", shape: [2 ** 31, 2 ** 31], data_offsets: [0, 16] },
  });
  const e2 = dataError(() => readSafetensors(file(big), "s.safetensors"));
  assert.match(
    e2.message,
    /tensor "w": data_offsets \[0, 16\] span 16 bytes but F32 shape \[2147483648,2147483648\] needs 18446744073709551616$/,
  );
});

Deno.test("readSafetensors() escapes tensor names and JSON errors", () => {
  const name = "\x1b[2J\u202ekey";
  const h = JSON.stringify({ [name]: { dtype: "Q9", shape: [1], data_offsets: [0, 4] } });
  const e = dataError(() => readSafetensors(file(h), "n.safetensors"));
  assert.ok(!hasControlChars(e.message), JSON.stringify(e.message));
  assert.match(e.message, /tensor "\\x1b\[2J\\u202ekey": unsupported dtype "Q9"/);
  const e2 = dataError(() => readSafetensors(file('{"a\x1b[31m'), "j.safetensors"));
  assert.ok(!hasControlChars(e2.message), JSON.stringify(e2.message));
  assert.match(e2.message, /header is not valid UTF-8 JSON/);
});
