/**
 * The byte cursor of the unpickler: little-endian integers, length-prefixed strings and bytes,
 * and newline-terminated text, each read checked against the end of the input. Every error is a
 * {@link DataError} naming the file and the offset of the opcode being read.
 *
 * @module
 */
import { DataError } from "../util/errors.ts";

/** Reads the operands of pickle opcodes from `bytes`, starting at `start`. */
export class PickleReader {
  /** The whole input. */
  readonly bytes: Uint8Array;
  /** File name used in error messages. */
  readonly name: string;
  /** Offset of the next byte to read. */
  pos: number;
  /** Offset of the opcode being executed (named in error messages). */
  opPos: number;
  readonly #dv: DataView;
  readonly #latin1 = new TextDecoder("latin1");
  readonly #utf8 = new TextDecoder("utf-8", { fatal: true });

  /** A cursor at `start` of `bytes`; `name` is the file named in errors. */
  constructor(bytes: Uint8Array, start: number, name: string) {
    this.bytes = bytes;
    this.name = name;
    this.pos = start;
    this.opPos = start;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throws a DataError naming the file and the current opcode's offset. */
  fail(msg: string): never {
    throw new DataError(`${this.name}: ${msg} (pickle offset ${this.opPos})`);
  }

  #need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail("truncated pickle");
  }

  /** One unsigned byte. */
  u8(): number {
    this.#need(1);
    return this.bytes[this.pos++]!;
  }

  /** An unsigned 16-bit little-endian integer. */
  u16(): number {
    this.#need(2);
    const v = this.#dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  /** An unsigned 32-bit little-endian integer. */
  u32(): number {
    this.#need(4);
    const v = this.#dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A signed 32-bit little-endian integer. */
  i32(): number {
    this.#need(4);
    const v = this.#dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** An unsigned 64-bit little-endian length; larger than the input is an error. */
  u64(): number {
    this.#need(8);
    const v = this.#dv.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.bytes.length)) this.fail("length field larger than the file");
    return Number(v);
  }

  /** A big-endian float64 (BINFLOAT). */
  f64be(): number {
    this.#need(8);
    const v = this.#dv.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }

  /** The next `n` bytes (a view into the input). */
  take(n: number): Uint8Array {
    this.#need(n);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Text up to the next newline (latin-1), the newline consumed. */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail("truncated pickle (missing newline)");
    const s = this.#latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  /** `n` bytes of UTF-8 text (a short read, too, is reported as invalid UTF-8). */
  str(n: number): string {
    try {
      return this.#utf8.decode(this.take(n));
    } catch {
      return this.fail("invalid UTF-8 in a string");
    }
  }

  /** `n` bytes of latin-1 text (Python 2 `str`). */
  latin1(n: number): string {
    return this.#latin1.decode(this.take(n));
  }
}
