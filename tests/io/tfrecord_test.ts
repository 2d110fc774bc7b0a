import assert from "node:assert/strict";
import { crc32c, decodeRecords, encodeRecord, maskCrc } from "../../lib/io/tfrecord.ts";
import { DataError } from "../../lib/util/errors.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

Deno.test("crc32c() matches the CRC-32C check value and the RFC 3720 vectors", () => {
  assert.equal(crc32c(ascii("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(new Uint8Array()), 0);
});

Deno.test("maskCrc() is rotate-right-15 plus 0xa282ead8 mod 2^32 (checked with BigInt)", () => {
  for (const c of [0, 1, 0xe3069283, 0xffffffff, 0x80000000, 0x12345678]) {
    const x = BigInt(c);
    const rot = ((x >> 15n) | (x << 17n)) & 0xffffffffn;
    assert.equal(BigInt(maskCrc(c)), (rot + 0xa282ead8n) & 0xffffffffn, `mask(${c})`);
  }
});

Deno.test("encodeRecord() frames data as length, masked CRCs, data (little-endian)", () => {
  const data = ascii("hello");
  const r = encodeRecord(data);
  assert.equal(r.length, 8 + 4 + 5 + 4);
  const v = new DataView(r.buffer);
  assert.equal(v.getBigUint64(0, true), 5n);
  assert.equal(v.getUint32(8, true), maskCrc(crc32c(r.subarray(0, 8))));
  assert.deepEqual(r.subarray(12, 17), data);
  assert.equal(v.getUint32(17, true), maskCrc(crc32c(data)));
});

Deno.test("decodeRecords() round-trips, verifies both CRCs and stops at a cut-short record", () => {
  const parts = [ascii("a"), new Uint8Array(), ascii("third record")];
  const file = new Uint8Array(parts.reduce((n, p) => n + p.length + 16, 0));
  let at = 0;
  for (const p of parts) {
    const r = encodeRecord(p);
    file.set(r, at);
    at += r.length;
  }
  const got = decodeRecords(file, "f");
  assert.deepEqual(got.records, parts);
  assert.equal(got.trailingBytes, 0);

  // A record cut short by a crash: the whole ones before it are read.
  const cut = file.subarray(0, file.length - 3);
  const partial = decodeRecords(cut, "f");
  assert.deepEqual(partial.records, parts.slice(0, 2));
  assert.equal(partial.trailingBytes, parts[2]!.length + 16 - 3);

  const dataFlip = file.slice();
  dataFlip[12] = dataFlip[12]! ^ 1; // first record's data
  assert.throws(() => decodeRecords(dataFlip, "f.tfevents"), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /^f\.tfevents: record 0 at byte 0: data CRC mismatch/);
    return true;
  });
  const lenFlip = file.slice();
  lenFlip[17] = lenFlip[17]! ^ 1; // second record's length (first record is 17 bytes)
  assert.throws(() => decodeRecords(lenFlip, "f"), /record 1 at byte 17: length CRC mismatch/);
});
