/**
 * NumPy `.npy` files (format versions 1, 2 and 3): reading C-order arrays of the common numeric
 * dtypes into {@link HostTensor}s, and writing them back.
 *
 * @module
 */

import { DataError } from "../util/errors.ts";
import { formatInt, listUntrusted, quoteUntrusted } from "../util/quote.ts";
import { numelExact } from "../util/shape.ts";
import {
  checkHostTensor,
  decodeElements,
  encodeElements,
  ITEM_SIZE,
  NUMPY_CODES,
  numpyCodeDtype,
} from "./dtype.ts";
import type { HostDType, HostTensor } from "./host_tensor.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** host dtype → numpy descr written by {@link encodeNpy}. */
const DTYPE_TO_DESCR: Readonly<Record<HostDType, string>> = {
  float32: "<f4",
  float64: "<f8",
  float16: "<f2",
  bfloat16: "<f4", // numpy has no bfloat16: written losslessly as float32
  int64: "<i8",
  int32: "<i4",
  int16: "<i2",
  int8: "|i1",
  uint8: "|u1",
  bool: "|b1",
};

type PyLiteral =
  | string
  | number
  | bigint
  | boolean
  | null
  | PyLiteral[]
  | Map<string, PyLiteral>;

/** Deepest nesting of (), [] and {} accepted in a header (numpy writes 2: a dict of a tuple). */
export const MAX_NPY_NESTING = 16;
/** Largest header accepted (numpy writes under 1 KiB; its own reader refuses 10 KB). */
export const MAX_NPY_HEADER_BYTES = 1 << 20;
/** Highest rank accepted (numpy's own limit is 64 dimensions). */
export const MAX_NPY_RANK = 64;

const TOKEN = /True|False|None|-?\d+L?/y;

/** Parses the Python-literal header dict of a .npy file (strings, ints, bools, tuples, dicts). */
function parsePyLiteral(text: string, name: string): PyLiteral {
  let i = 0;
  const fail = (what: string): never => {
    throw new DataError(
      `${name}: malformed .npy header (${what} at character ${i}): ${quoteUntrusted(text)}`,
    );
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (depth: number): PyLiteral => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === "{" || c === "(" || c === "[") {
      if (depth >= MAX_NPY_NESTING) fail(`nesting deeper than ${MAX_NPY_NESTING}`);
      const close = c === "{" ? "}" : c === "(" ? ")" : "]";
      i++;
      const items: PyLiteral[] = [];
      const dict = new Map<string, PyLiteral>();
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        const v = value(depth + 1);
        if (c === "{") {
          ws();
          if (text[i] !== ":") fail("expected ':'");
          i++;
          if (typeof v !== "string") fail("expected a string key");
          dict.set(v as string, value(depth + 1));
        } else items.push(v);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
      return c === "{" ? dict : items;
    }
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m) return fail("unexpected token");
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    const digits = m[0].endsWith("L") ? m[0].slice(0, -1) : m[0];
    if (digits.length <= 15) return parseInt(digits, 10);
    const big = BigInt(digits);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(big)
      : big;
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}

/**
 * Reads a `.npy` file (versions 1–3, little- or big-endian `f2 f4 f8 i1 i2 i4 i8 u1 b1`, C order).
 *
 * @param bytes the whole file
 * @param name file name used in error messages
 * @throws DataError on a bad magic, unsupported dtype, Fortran order or truncated data
 */
export function readNpy(bytes: Uint8Array, name = "<npy>"): HostTensor {
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw new DataError(`${name}: not a .npy file (expected the magic "\\x93NUMPY")`);
  }
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError(`${name}: truncated .npy header`);
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new DataError(`${name}: unsupported .npy format version ${major} (expected 1, 2 or 3)`);
  }
  if (headerLen > MAX_NPY_HEADER_BYTES) {
    throw new DataError(
      `${name}: .npy header of ${headerLen} bytes exceeds the ${MAX_NPY_HEADER_BYTES}-byte limit`,
    );
  }
  if (start + headerLen > bytes.length) {
    throw new DataError(
      `${name}: truncated .npy header (needs ${headerLen} bytes, file has ${bytes.length})`,
    );
  }
  const headerBytes = bytes.subarray(start, start + headerLen);
  const text = (major === 3 ? new TextDecoder() : new TextDecoder("latin1")).decode(headerBytes)
    .trim();
  const header = parsePyLiteral(text, name);
  if (!(header instanceof Map)) {
    throw new DataError(`${name}: .npy header is not a dict: ${quoteUntrusted(text)}`);
  }
  const descr = header.get("descr");
  const fortran = header.get("fortran_order");
  const shapeV = header.get("shape");
  if (typeof descr !== "string") {
    throw new DataError(
      `${name}: .npy header has no string 'descr' (structured dtypes unsupported)`,
    );
  }
  if (fortran === true) {
    throw new DataError(
      `${name}: fortran_order=True is not supported (expected a C-order array; save with ` +
        `np.ascontiguousarray)`,
    );
  }
  if (fortran !== false) throw new DataError(`${name}: .npy header needs 'fortran_order': False`);
  if (!Array.isArray(shapeV)) {
    throw new DataError(`${name}: .npy header 'shape' must be a tuple of non-negative ints`);
  }
  if (shapeV.length > MAX_NPY_RANK) {
    throw new DataError(
      `${name}: .npy header 'shape' has ${shapeV.length} dimensions (at most ${MAX_NPY_RANK})`,
    );
  }
  if (!shapeV.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    throw new DataError(
      `${name}: .npy header 'shape' ${
        listUntrusted(shapeV)
      } must be a tuple of non-negative ints below 2^53`,
    );
  }
  const shape = shapeV as number[];
  const order = descr[0];
  const code = "<>|=".includes(order ?? "") ? descr.slice(1) : descr;
  const dtype = numpyCodeDtype(code);
  if (!dtype) {
    throw new DataError(
      `${name}: unsupported .npy dtype ${quoteUntrusted(descr)} (expected one of ` +
        `${Object.keys(NUMPY_CODES).map((c) => `<${c}`).join(" ")})`,
    );
  }
  const count = numelExact(shape);
  const dataStart = start + headerLen;
  const need = count * BigInt(ITEM_SIZE[dtype]);
  if (BigInt(bytes.length - dataStart) < need) {
    throw new DataError(
      `${name}: truncated .npy data (shape ${listUntrusted(shape)} ${descr} ` +
        `needs ${formatInt(need)} bytes, file has ${bytes.length - dataStart})`,
    );
  }
  const data = decodeElements(bytes.subarray(dataStart), dtype, Number(count), order !== ">");
  return { dtype, shape: [...shape], data };
}

/**
 * Encodes a tensor as a version-1 `.npy` file (version 2 if the header needs it). bfloat16 is
 * written as `<f4` (numpy has no bfloat16; the values are exact).
 */
export function encodeNpy(t: HostTensor): Uint8Array {
  checkHostTensor(t, "encodeNpy");
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  let header = `{'descr': '${
    DTYPE_TO_DESCR[t.dtype]
  }', 'fortran_order': False, 'shape': ${shape}, }`;
  const src: HostTensor = t.dtype === "bfloat16" ? { ...t, dtype: "float32" } : t;
  const body = encodeElements(src);
  let pre = 10;
  let total = pre + header.length + 1;
  if (total + ((64 - (total % 64)) % 64) - pre > 0xffff) pre = 12;
  total = pre + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(pre + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = pre === 10 ? 1 : 2;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (pre === 10) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[pre + k] = header.charCodeAt(k);
  out.set(body, pre + header.length);
  return out;
}
