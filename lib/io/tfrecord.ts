/**
 * TFRecord framing, as TensorFlow and TensorBoard read it: each record is
 *
 *   uint64 length (little-endian) · uint32 masked CRC-32C of those 8 bytes ·
 *   `length` bytes of data · uint32 masked CRC-32C of the data
 *
 * where CRC-32C is the Castagnoli CRC (reflected polynomial 0x82F63B78) and the mask is
 * `rotate_right(crc, 15) + 0xA282EAD8` (mod 2³²). Pure functions; no I/O.
 *
 * @module
 */
import { DataError } from "../util/errors.ts";

const CRC32C_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli) of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The TFRecord mask of a CRC: rotate right by 15 bits, add 0xA282EAD8 (mod 2³²). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord around `data` (see the module doc). */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc(crc32c(data)), true);
  return out;
}

/** The records of a TFRecord file, what follows the last whole record, and where it starts. */
export interface DecodedRecords {
  /** The data of each whole record, in file order. */
  records: Uint8Array[];
  /**
   * Bytes after the last whole record (0 for a complete file): a record cut short by a crash,
   * which TensorFlow's readers also stop at.
   */
  trailingBytes: number;
}

/**
 * Splits a TFRecord file into records, verifying both CRCs of each.
 *
 * @param where names the file in error messages
 * @throws DataError naming the record index and byte offset of a CRC mismatch
 */
export function decodeRecords(bytes: Uint8Array, where: string): DecodedRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (bytes.length - pos >= 12) {
    const lenBytes = bytes.subarray(pos, pos + 8);
    if (view.getUint32(pos + 8, true) !== maskCrc(crc32c(lenBytes))) {
      throw new DataError(
        `${where}: record ${records.length} at byte ${pos}: length CRC mismatch (not a TFRecord ` +
          `file, or corrupt)`,
      );
    }
    const len = view.getBigUint64(pos, true);
    if (len > BigInt(bytes.length - pos - 16)) break; // cut short
    const n = Number(len);
    const data = bytes.subarray(pos + 12, pos + 12 + n);
    if (view.getUint32(pos + 12 + n, true) !== maskCrc(crc32c(data))) {
      throw new DataError(`${where}: record ${records.length} at byte ${pos}: data CRC mismatch`);
    }
    records.push(data);
    pos += 16 + n;
  }
  return { records, trailingBytes: bytes.length - pos };
}
