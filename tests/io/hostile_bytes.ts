import assert from "node:assert/strict";
import { DataError, EXIT } from "../../lib/util/errors.ts";
/**
 * Builders for hostile test inputs, spelled out from the formats themselves: a deflate stream of
 * zeros with a chosen (large) length, ZIP archives whose directory declares whatever sizes the
 * test wants, and torch.save pickles of arbitrary tensor views.
 *
 * @module
 */

import { crc32 } from "../../lib/io/mod.ts";
import { op, pk } from "./pickle_bytes.ts";

/** LSB-first bit writer (the deflate bit order). */
class Bits {
  private buf = new Uint8Array(1024);
  private len = 0;
  private acc = 0;
  private nacc = 0;
  /** Writes the low `n` (<= 16) bits of `v`, least significant first. */
  put(v: number, n: number): void {
    this.acc |= (v & ((1 << n) - 1)) << this.nacc;
    this.nacc += n;
    while (this.nacc >= 8) {
      if (this.len === this.buf.length) {
        const next = new Uint8Array(this.buf.length * 2);
        next.set(this.buf);
        this.buf = next;
      }
      this.buf[this.len++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.nacc -= 8;
    }
  }
  /** Writes a Huffman code of `n` bits, most significant first. */
  code(v: number, n: number): void {
    let r = 0;
    for (let k = 0; k < n; k++) r |= ((v >>> k) & 1) << (n - 1 - k);
    this.put(r, n);
  }
  /** The bytes written so far (the last one zero-padded). */
  bytes(): Uint8Array {
    const out = this.buf.slice(0, this.len + (this.nacc > 0 ? 1 : 0));
    if (this.nacc > 0) out[this.len] = this.acc & 0xff;
    return out;
  }
}

/**
 * A raw deflate stream (one fixed-Huffman block) that inflates to `n` zero bytes: a literal 0,
 * then copies of 258 bytes at distance 1 (13 bits each), so ~n/159 compressed bytes.
 */
export function deflateZeros(n: number): Uint8Array {
  const w = new Bits();
  w.put(1, 1); // BFINAL
  w.put(1, 2); // BTYPE = fixed Huffman
  let left = n;
  const literal0 = () => w.code(0x30, 8);
  if (left > 0) (literal0(), left--);
  // length symbol 285 (258 bytes, code 11000101) then distance symbol 0 (distance 1, 00000):
  // 13 bits, written reversed as one value
  const copy = 0b10100011;
  while (left >= 258) {
    w.put(copy, 13);
    left -= 258;
  }
  while (left-- > 0) literal0();
  w.code(0, 7); // end of block (256)
  return w.bytes();
}

/** One entry of {@link zipOf}: `data` is stored as given; the sizes are declared as given. */
export interface RawZipEntry {
  name: string;
  /** Bytes placed in the archive (already deflated when `method` is 8). */
  data: Uint8Array;
  /** 0 stored, 8 deflate. */
  method: 0 | 8;
  /** Uncompressed size to declare (default: `data.length`). */
  size?: number;
  /** CRC-32 to declare (default: that of `data`). */
  crc?: number;
}

/** A ZIP archive of the given entries, with the declared sizes the caller chose. */
export function zipOf(entries: RawZipEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const size = e.size ?? e.data.length;
    const crc = e.crc ?? crc32(e.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, e.method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, e.method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, e.data);
    central.push(cd);
    offset += local.length + e.data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of all) (out.set(p, at), (at += p.length));
  return out;
}

/** A pickle int of any size: BININT forms when they fit, LONG1 beyond. */
export function pyInt(v: number | bigint): number[] {
  if (typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
    return op.int(v);
  }
  return op.long1(BigInt(v));
}

/** One tensor of {@link statePickle}: a view of storage `storage` (a FloatStorage). */
export interface ViewSpec {
  key: string;
  storage: string;
  numel: number | bigint;
  offset?: number;
  size: (number | bigint)[];
  stride: (number | bigint)[];
}

/** `OrderedDict` of `_rebuild_tensor_v2` views, as torch.save writes a state dict. */
export function statePickle(views: ViewSpec[]): Uint8Array {
  const tuple = (xs: (number | bigint)[]) => [op.mark, ...xs.flatMap(pyInt), op.tuple];
  const items = views.flatMap((v) => [
    ...op.str(v.key),
    ...op.global("torch._utils", "_rebuild_tensor_v2"),
    op.mark, // argument tuple
    op.mark, // persistent id tuple
    ...op.str("storage"),
    ...op.global("torch", "FloatStorage"),
    ...op.str(v.storage),
    ...op.str("cpu"),
    ...pyInt(v.numel),
    op.tuple,
    op.binpersid,
    ...pyInt(v.offset ?? 0),
    ...tuple(v.size),
    ...tuple(v.stride),
    op.false,
    ...op.global("collections", "OrderedDict"),
    op.emptyTuple,
    op.reduce,
    op.tuple,
    op.reduce,
  ]);
  return pk(
    op.proto(2),
    op.global("collections", "OrderedDict"),
    op.emptyTuple,
    op.reduce,
    op.mark,
    items,
    op.setitems,
    op.stop,
  );
}

/** A torch.save zip of `arch/data.pkl` (stored) and the given storage entries. */
export function pthOf(pkl: Uint8Array, storages: RawZipEntry[] = []): Uint8Array {
  return zipOf([
    { name: "arch/data.pkl", data: pkl, method: 0 },
    ...storages.map((s) => ({ ...s, name: `arch/data/${s.name}` })),
  ]);
}

/** Peak resident memory of this process so far, in bytes (Linux; 0 elsewhere). */
export function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** True when `s` holds a C0/C1 control character, DEL, or a bidi/line-separator code point. */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x2028 && c <= 0x202e)) return true;
    if (c >= 0x2066 && c <= 0x2069) return true;
  }
  return false;
}

/** Runs `fn` and returns the DataError (exit 65) it throws; fails when it throws anything else. */
export function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DataError, `expected a DataError, got ${(e as Error)?.stack ?? e}`);
    assert.equal(e.exitCode, EXIT.data);
    return e;
  }
  throw new assert.AssertionError({ message: "expected a DataError, nothing was thrown" });
}
