/**
 * A tiny pickle assembler for tests: opcodes spelled out by hand, so the unpickler is checked
 * against the format itself rather than against Python.
 *
 * @module
 */

type Part = number | number[] | Uint8Array;

/** Concatenates opcodes and operands into pickle bytes. */
export function pk(...parts: Part[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += typeof p === "number" ? 1 : p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    if (typeof p === "number") out[at++] = p;
    else (out.set(p, at), (at += p.length));
  }
  return out;
}

const enc = new TextEncoder();

function le(n: number, bytes: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < bytes; k++) out.push(Math.floor(n / 2 ** (8 * k)) & 0xff);
  return out;
}

/** Opcode helpers (protocol 2–5). */
export const op = {
  proto: (n: number) => [0x80, n],
  frame: (n: number) => [0x95, ...le(n, 8)],
  stop: 0x2e,
  mark: 0x28,
  none: 0x4e,
  true: 0x88,
  false: 0x89,
  emptyDict: 0x7d,
  emptyList: 0x5d,
  emptyTuple: 0x29,
  tuple: 0x74,
  tuple1: 0x85,
  tuple2: 0x86,
  tuple3: 0x87,
  list: 0x6c,
  dict: 0x64,
  append: 0x61,
  appends: 0x65,
  setitem: 0x73,
  setitems: 0x75,
  reduce: 0x52,
  build: 0x62,
  newobj: 0x81,
  binpersid: 0x51,
  stackGlobal: 0x93,
  memoize: 0x94,
  binput: (k: number) => [0x71, k],
  longBinput: (k: number) => [0x72, ...le(k, 4)],
  binget: (k: number) => [0x68, k],
  longBinget: (k: number) => [0x6a, ...le(k, 4)],
  global: (module: string, name: string) => [0x63, ...enc.encode(`${module}\n${name}\n`)],
  /** SHORT_BINUNICODE (BINUNICODE when long). */
  str: (s: string) => {
    const b = [...enc.encode(s)];
    return b.length < 256 ? [0x8c, b.length, ...b] : [0x58, ...le(b.length, 4), ...b];
  },
  binunicode: (s: string) => {
    const b = [...enc.encode(s)];
    return [0x58, ...le(b.length, 4), ...b];
  },
  binstring: (s: string) => [0x55, s.length, ...Array.from(s, (c) => c.charCodeAt(0))],
  bytes: (b: number[]) => [0x43, b.length, ...b],
  binbytes: (b: number[]) => [0x42, ...le(b.length, 4), ...b],
  /** BININT1 / BININT2 / BININT as the value needs. */
  int: (n: number) =>
    n >= 0 && n < 256
      ? [0x4b, n]
      : n >= 0 && n < 65536
      ? [0x4d, ...le(n, 2)]
      : [0x4a, ...le(n >>> 0, 4)],
  /** LONG1 of a bigint (two's complement, little-endian). */
  long1: (v: bigint) => {
    const out: number[] = [];
    let x = v;
    for (;;) {
      out.push(Number(x & 0xffn));
      x >>= 8n;
      if (
        (x === 0n && !(out[out.length - 1]! & 0x80)) || (x === -1n && out[out.length - 1]! & 0x80)
      ) break;
    }
    return [0x8a, out.length, ...out];
  },
  float: (x: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return [0x47, ...b];
  },
};
