/**
 * Element codecs shared by the file readers and writers: item sizes, decoding raw bytes into the
 * typed arrays of {@link HostTensor} (float16/bfloat16 widened to float32, either byte order) and
 * encoding them back (little-endian).
 *
 * @module
 */

import { DataError } from "../util/errors.ts";
import { numel } from "../util/shape.ts";
import type { HostData, HostDType, HostTensor } from "./host_tensor.ts";

/** Bytes per element of each dtype as stored in a file. */
export const ITEM_SIZE: Readonly<Record<HostDType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** numpy type codes (without the byte-order character, e.g. `f4`) → host dtype. */
export const NUMPY_CODES: Readonly<Record<string, HostDType>> = {
  f4: "float32",
  f8: "float64",
  f2: "float16",
  i8: "int64",
  i4: "int32",
  i2: "int16",
  i1: "int8",
  u1: "uint8",
  b1: "bool",
};

/** The host dtype of a numpy type code (`f4`, `i8`, ...; no byte-order character), if any. */
export function numpyCodeDtype(code: string): HostDType | undefined {
  return Object.hasOwn(NUMPY_CODES, code) ? NUMPY_CODES[code] : undefined;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Converts IEEE half-precision bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Converts a number to IEEE half-precision bits (round to nearest even, overflow to inf). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** Converts a number to bfloat16 bits (round to nearest even, NaN kept quiet). */
export function floatToBfloat16(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  if ((b & 0x7fffffff) > 0x7f800000) return ((b >>> 16) | 0x40) & 0xffff;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** An empty typed array of the host type used for `dtype`. */
export function allocData(dtype: HostDType, n: number): HostData {
  switch (dtype) {
    case "float32":
    case "float16":
    case "bfloat16":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "int32":
      return new Int32Array(n);
    case "int16":
      return new Int16Array(n);
    case "int8":
      return new Int8Array(n);
    case "uint8":
    case "bool":
      return new Uint8Array(n);
  }
}

/**
 * Decodes `count` elements of `dtype` starting at `bytes[0]` into a fresh typed array (never a
 * view of `bytes`). Caller checks that `bytes` holds enough bytes.
 */
export function decodeElements(
  bytes: Uint8Array,
  dtype: HostDType,
  count: number,
  littleEndian = true,
): HostData {
  const size = ITEM_SIZE[dtype];
  const raw = bytes.slice(0, count * size); // fresh, aligned copy
  if (dtype === "float16" || dtype === "bfloat16") {
    const out = new Float32Array(count);
    const dv = new DataView(raw.buffer);
    if (dtype === "float16") {
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(2 * i, littleEndian));
    } else {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = dv.getUint16(2 * i, littleEndian) << 16;
    }
    return out;
  }
  if (size > 1 && littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(raw, size);
  switch (dtype) {
    case "float32":
      return new Float32Array(raw.buffer, 0, count);
    case "float64":
      return new Float64Array(raw.buffer, 0, count);
    case "int64":
      return new BigInt64Array(raw.buffer, 0, count);
    case "int32":
      return new Int32Array(raw.buffer, 0, count);
    case "int16":
      return new Int16Array(raw.buffer, 0, count);
    case "int8":
      return new Int8Array(raw.buffer, 0, count);
    case "uint8":
      return raw;
    case "bool":
      for (let i = 0; i < count; i++) raw[i] = raw[i] ? 1 : 0;
      return raw;
  }
}

/** Reverses the byte order of each `size`-byte item of `buf` in place. */
function swapBytes(buf: Uint8Array, size: number): void {
  for (let i = 0; i + size <= buf.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = buf[a]!;
      buf[a] = buf[b]!;
      buf[b] = t;
    }
  }
}

function expectedArray(dtype: HostDType): string {
  return allocData(dtype, 0).constructor.name;
}

/**
 * Checks that `t` is well formed (data type matches dtype, length matches shape); `what` names
 * the tensor in the error.
 */
export function checkHostTensor(t: HostTensor, what: string): void {
  if (!(t.dtype in ITEM_SIZE)) {
    throw new DataError(`${what}: unknown dtype ${JSON.stringify(t.dtype)}`);
  }
  const want = expectedArray(t.dtype);
  if (t.data.constructor.name !== want) {
    throw new DataError(
      `${what}: dtype ${t.dtype} needs its data in a ${want}, got a ${t.data.constructor.name}`,
    );
  }
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new DataError(`${what}: shape [${t.shape}] must hold non-negative integers`);
  }
  const n = numel(t.shape);
  if (t.data.length !== n) {
    throw new DataError(
      `${what}: shape [${t.shape}] has ${n} elements but data holds ${t.data.length}`,
    );
  }
}

/** Encodes the elements of `t` little-endian in its own dtype (float16/bfloat16 rounded). */
export function encodeElements(t: HostTensor): Uint8Array {
  const n = t.data.length;
  if (t.dtype === "float16" || t.dtype === "bfloat16") {
    const out = new Uint8Array(2 * n);
    const dv = new DataView(out.buffer);
    const conv = t.dtype === "float16" ? floatToHalf : floatToBfloat16;
    const src = t.data as Float32Array;
    for (let i = 0; i < n; i++) dv.setUint16(2 * i, conv(src[i]!), true);
    return out;
  }
  const d = t.data;
  const out = new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
  const size = ITEM_SIZE[t.dtype];
  if (size > 1 && !HOST_LITTLE_ENDIAN) swapBytes(out, size);
  if (t.dtype === "bool") { for (let i = 0; i < n; i++) out[i] = out[i] ? 1 : 0; }
  return out;
}
