import assert from "node:assert/strict";
import { zipSync } from "fflate";
import { crc32, isZip, openZip } from "../../lib/io/mod.ts";
import { DataError } from "../../lib/util/errors.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("openZip() reads stored and deflated entries and checks CRC-32", () => {
  const big = text("slak ".repeat(2000));
  const bytes = zipSync({
    "a/stored.bin": [new Uint8Array([1, 2, 3]), { level: 0 }],
    "a/deflated.txt": [big, { level: 9 }],
    "a/empty": [new Uint8Array(0), { level: 0 }],
  });
  assert.ok(isZip(bytes));
  const zip = openZip(bytes, "t.zip");
  assert.deepEqual([...zip.entries.keys()], ["a/stored.bin", "a/deflated.txt", "a/empty"]);
  assert.equal(zip.entries.get("a/stored.bin")!.method, 0);
  assert.equal(zip.entries.get("a/deflated.txt")!.method, 8);
  assert.ok(zip.entries.get("a/deflated.txt")!.compressedSize < big.length / 10);
  assert.deepEqual(zip.read("a/stored.bin", { checkCrc: true }), new Uint8Array([1, 2, 3]));
  assert.deepEqual(zip.read("a/deflated.txt", { checkCrc: true }), big);
  assert.deepEqual(zip.read("a/empty", { checkCrc: true }), new Uint8Array(0));
  assert.throws(() => zip.read("nope"), /t\.zip: archive has no entry "nope"/);
});

Deno.test("openZip() detects corruption and non-zip input", () => {
  const bytes = zipSync({ "x": [text("hello world"), { level: 0 }] });
  const at = bytes.indexOf(0x68); // 'h' of the stored data
  assert.ok(at >= 0, "stored data found in the archive");
  bytes[at]! ^= 1;
  const zip = openZip(bytes, "c.zip");
  assert.throws(() => zip.read("x", { checkCrc: true }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /^c\.zip: entry "x": CRC-32 mismatch/);
    return true;
  });
  assert.equal(zip.read("x").length, 11, "unchecked read still returns the bytes");
  assert.throws(() => openZip(text("not a zip at all, just text"), "n.bin"), /n\.bin: not a ZIP/);
  assert.ok(!isZip(text("\x80\x02")));
});

Deno.test("crc32() matches the standard check value", () => {
  assert.equal(crc32(text("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});
