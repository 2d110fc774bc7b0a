/**
 * A read-only ZIP archive reader (stored and deflate entries, ZIP64), enough for the archives
 * `torch.save` writes. Stored entries are returned as views of the input, without copying.
 * Deflated entries are inflated with a bound: never past the size the caller needs or the entry
 * declares, and a declared size is checked (against the caller's limit and what the compressed
 * bytes can hold) before anything is inflated.
 *
 * @module
 */

import { Inflate } from "fflate";
import { DataError } from "../util/errors.ts";
import { formatInt, quoteUntrusted } from "../util/quote.ts";

/** Most bytes deflate can produce per compressed byte (258 bytes from two 1-bit codes). */
export const MAX_DEFLATE_RATIO = 1032;

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

/** Options of {@link ZipArchive.read}. */
export interface ZipReadOptions {
  /** Check the CRC-32 of the extracted bytes. */
  checkCrc?: boolean;
  /** Refuse (before inflating) an entry that declares more bytes than this. */
  maxSize?: number;
}

/** A parsed ZIP archive over an in-memory buffer. */
export interface ZipArchive {
  /** Entries by name, in central-directory order. */
  entries: Map<string, ZipEntry>;
  /**
   * The uncompressed bytes of `entry` (a view of the archive when stored). The declared size
   * is checked first; inflating stops with a DataError as soon as the output passes it.
   */
  read(entry: string | ZipEntry, opts?: ZipReadOptions): Uint8Array;
  /**
   * The first `n` uncompressed bytes of `entry`, inflating no further than needed; a DataError
   * when the entry declares or holds fewer.
   */
  readPrefix(entry: string | ZipEntry, n: number): Uint8Array;
  /**
   * Checks an entry without extracting it: its local header, that its data lies inside the
   * archive and that its declared size is possible (stored: equal to the compressed size;
   * deflate: at most {@link MAX_DEFLATE_RATIO} times it). Returns where its data starts.
   */
  check(entry: string | ZipEntry): number;
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
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`ZIP64 field ${formatInt(v)} too large`);
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
    if (p + 46 + nameLen + extraLen + commentLen > bytes.length) {
      fail(`central directory entry ${k} runs past the end of the file`);
    }
    const entryName = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: only the fields saturated in the fixed header are present.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const len = u16(e + 2);
      if (e + 4 + len > extraEnd) fail(`bad extra field in central directory entry ${k}`);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) fail(`short ZIP64 extra field in central directory entry ${k}`);
          q += 8;
          return u64(q - 8);
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`entry ${quoteUntrusted(entryName)} is encrypted`);
    if (method !== 0 && method !== 8) {
      fail(
        `entry ${quoteUntrusted(entryName)} uses compression method ${method} (expected 0 ` +
          `stored or 8 deflate)`,
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
  const entryOf = (entry: string | ZipEntry): ZipEntry => {
    const en = typeof entry === "string" ? entries.get(entry) : entry;
    if (!en) return fail(`archive has no entry ${quoteUntrusted(String(entry))}`);
    return en;
  };
  const check = (entry: string | ZipEntry): number => {
    const en = entryOf(entry);
    const q = quoteUntrusted(en.name);
    const lo = en.localOffset;
    if (lo + 30 > bytes.length || u32(lo) !== 0x04034b50) fail(`bad local header for ${q}`);
    const start = lo + 30 + u16(lo + 26) + u16(lo + 28);
    if (start + en.compressedSize > bytes.length) fail(`entry ${q} is truncated`);
    if (en.method === 0 && en.size !== en.compressedSize) {
      fail(`stored entry ${q} has inconsistent sizes`);
    }
    if (en.method === 8 && en.size > MAX_DEFLATE_RATIO * en.compressedSize + 64) {
      fail(
        `entry ${q} declares ${en.size} bytes, more than its ${en.compressedSize} compressed ` +
          `bytes can hold`,
      );
    }
    return start;
  };
  /** Inflates the entry into `want` bytes; `exact`: the stream must end there too. */
  const inflate = (en: ZipEntry, start: number, want: number, exact: boolean): Uint8Array => {
    const q = quoteUntrusted(en.name);
    const raw = bytes.subarray(start, start + en.compressedSize);
    const out = new Uint8Array(want);
    let got = 0;
    let over = false;
    let ended = false;
    const inf = new Inflate((chunk: Uint8Array, final: boolean) => {
      const n = Math.min(chunk.length, want - got);
      out.set(chunk.subarray(0, n), got);
      got += n;
      if (n < chunk.length) over = true;
      if (final) ended = true;
    });
    let pos = 0;
    try {
      // Feed the input in pieces small enough that one piece cannot inflate to much more than
      // what is still missing (each input byte yields at most MAX_DEFLATE_RATIO bytes).
      while (!over && !ended && (exact || got < want)) {
        const piece = Math.max(4096, Math.ceil((want - got) / MAX_DEFLATE_RATIO));
        const end = Math.min(raw.length, pos + piece);
        inf.push(raw.subarray(pos, end), end === raw.length);
        pos = end;
      }
    } catch (err) {
      return fail(`entry ${q}: corrupt deflate data (${(err as Error).message})`);
    }
    if (over && exact) fail(`entry ${q} inflates past its declared size of ${en.size} bytes`);
    if (got < want) {
      fail(
        exact
          ? `entry ${q} inflates to ${got} bytes, its declared size is ${en.size}`
          : `entry ${q} inflates to only ${got} bytes, ${want} are needed`,
      );
    }
    return out;
  };
  const read = (entry: string | ZipEntry, opts: ZipReadOptions = {}): Uint8Array => {
    const en = entryOf(entry);
    if (opts.maxSize !== undefined && en.size > opts.maxSize) {
      fail(
        `entry ${quoteUntrusted(en.name)} declares ${en.size} bytes, more than the ` +
          `${opts.maxSize} allowed`,
      );
    }
    const start = check(en);
    const out = en.method === 0
      ? bytes.subarray(start, start + en.size)
      : inflate(en, start, en.size, true);
    if (opts.checkCrc && crc32(out) !== en.crc32) {
      fail(`entry ${quoteUntrusted(en.name)}: CRC-32 mismatch`);
    }
    return out;
  };
  const readPrefix = (entry: string | ZipEntry, n: number): Uint8Array => {
    const en = entryOf(entry);
    if (n > en.size) {
      fail(`entry ${quoteUntrusted(en.name)} declares ${en.size} bytes, ${n} are needed`);
    }
    const start = check(en);
    return en.method === 0 ? bytes.subarray(start, start + n) : inflate(en, start, n, false);
  };
  return { entries, read, readPrefix, check };
}
