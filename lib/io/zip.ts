/**
 * A read-only ZIP archive reader (stored and deflate entries, ZIP64), enough for the archives
 * `torch.save` writes. Stored entries are returned as views of the input, without copying.
 *
 * @module
 */

import { inflateSync } from "fflate";
import { DataError } from "../util/errors.ts";

/** One file in a ZIP archive, from the central directory. */
export interface ZipEntry {
  /** Path inside the archive. */
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  /** CRC-32 of the uncompressed bytes. */
  crc32: number;
  /** Size in the archive. */
  compressedSize: number;
  /** Size once extracted. */
  size: number;
  /** Offset of the entry's local header. */
  localOffset: number;
}

/** A parsed ZIP archive over an in-memory buffer. */
export interface ZipArchive {
  /** Entries by name, in central-directory order. */
  entries: Map<string, ZipEntry>;
  /**
   * The uncompressed bytes of `entry` (a view of the archive when stored); checks the CRC-32
   * when `checkCrc` is set.
   */
  read(entry: string | ZipEntry, checkCrc?: boolean): Uint8Array;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE) of `data`. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** True when `bytes` starts like a ZIP archive (local header or empty-archive signature). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/**
 * Parses the central directory of a ZIP archive held in memory.
 *
 * @param bytes the whole archive
 * @param name file name used in error messages
 * @throws DataError when the archive is malformed, encrypted or uses another compression method
 */
export function openZip(bytes: Uint8Array, name = "<zip>"): ZipArchive {
  const fail = (msg: string): never => {
    throw new DataError(`${name}: ${msg}`);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => dv.getUint16(o, true);
  const u32 = (o: number) => dv.getUint32(o, true);
  const u64 = (o: number) => {
    const v = dv.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail("ZIP64 field too large");
    return Number(v);
  };
  // End of central directory: 22 bytes + comment (<= 65535), searched backwards.
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 0xffff); o--) {
    if (u32(o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) fail("not a ZIP archive (no end-of-central-directory record)");
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const z64 = u64(eocd - 20 + 8);
    if (z64 + 56 > bytes.length || u32(z64) !== 0x06064b50) fail("bad ZIP64 end record");
    count = u64(z64 + 32);
    cdSize = u64(z64 + 40);
    cdOffset = u64(z64 + 48);
  }
  if (cdOffset + cdSize > bytes.length) fail("central directory runs past the end of the file");
  const entries = new Map<string, ZipEntry>();
  const dec = new TextDecoder();
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || u32(p) !== 0x02014b50) fail(`bad central directory entry ${k}`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let localOffset = u32(p + 42);
    const entryName = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: only the fields saturated in the fixed header are present.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(q)), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(q)), (q += 8);
        if (localOffset === 0xffffffff) localOffset = u64(q);
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`entry "${entryName}" is encrypted`);
    if (method !== 0 && method !== 8) {
      fail(
        `entry "${entryName}" uses compression method ${method} (expected 0 stored or 8 deflate)`,
      );
    }
    entries.set(entryName, {
      name: entryName,
      method,
      crc32: crc,
      compressedSize,
      size,
      localOffset,
    });
    p = extraEnd + commentLen;
  }
  const read = (entry: string | ZipEntry, checkCrc = false): Uint8Array => {
    const en = typeof entry === "string" ? entries.get(entry) : entry;
    if (!en) return fail(`archive has no entry "${entry}"`);
    const lo = en.localOffset;
    if (lo + 30 > bytes.length || u32(lo) !== 0x04034b50) fail(`bad local header for "${en.name}"`);
    const start = lo + 30 + u16(lo + 26) + u16(lo + 28);
    if (start + en.compressedSize > bytes.length) fail(`entry "${en.name}" is truncated`);
    const raw = bytes.subarray(start, start + en.compressedSize);
    let out: Uint8Array;
    if (en.method === 0) {
      if (en.size !== en.compressedSize) fail(`stored entry "${en.name}" has inconsistent sizes`);
      out = raw;
    } else {
      try {
        out = inflateSync(raw, { out: new Uint8Array(en.size) });
      } catch (err) {
        return fail(`entry "${en.name}": corrupt deflate data (${(err as Error).message})`);
      }
      if (out.length !== en.size) fail(`entry "${en.name}": inflated to the wrong size`);
    }
    if (checkCrc && crc32(out) !== en.crc32) fail(`entry "${en.name}": CRC-32 mismatch`);
    return out;
  };
  return { entries, read };
}
