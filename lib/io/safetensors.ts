/**
 * `.safetensors` files: an 8-byte little-endian header length, a JSON header
 * (`{name: {dtype, shape, data_offsets}, "__metadata__": {...}}`) and one byte buffer. Reading
 * validates every offset and size; writing keeps the given tensor order and pads the header with
 * spaces to an 8-byte boundary.
 *
 * @module
 */

import { DataError } from "../util/errors.ts";
import { isObject } from "../util/guards.ts";
import { escapeUntrusted, formatInt, listUntrusted, quoteUntrusted } from "../util/quote.ts";
import { checkHostTensor, decodeElements, encodeElements, ITEM_SIZE } from "./dtype.ts";
import type { HostDType, HostTensor } from "./host_tensor.ts";

const CODE_TO_DTYPE: Readonly<Record<string, HostDType>> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
  F64: "float64",
  I64: "int64",
  I32: "int32",
  I16: "int16",
  I8: "int8",
  U8: "uint8",
  BOOL: "bool",
};

const DTYPE_TO_CODE = Object.fromEntries(
  Object.entries(CODE_TO_DTYPE).map(([k, v]) => [v, k]),
) as Record<HostDType, string>;

/** Largest header accepted (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

/** Highest tensor rank accepted. */
const MAX_RANK = 64;

/** A JSON value from a header, for a message: its type, or a short quoted rendering. */
function describeJson(v: unknown): string {
  if (v === null || typeof v === "object") {
    return v === null ? "null" : Array.isArray(v) ? "an array" : "an object";
  }
  return quoteUntrusted(String(v));
}

/** Contents of a `.safetensors` file. */
export interface Safetensors {
  /** Tensors in header order (F16/BF16 widened to float32, dtype kept). */
  tensors: Map<string, HostTensor>;
  /** The `__metadata__` string map (empty if absent). */
  metadata: Record<string, string>;
}

/**
 * Reads a `.safetensors` file.
 *
 * @param bytes the whole file
 * @param name file name used in error messages
 * @throws DataError on a malformed header, unknown dtype, or offsets that do not tile the buffer
 */
export function readSafetensors(bytes: Uint8Array, name = "<safetensors>"): Safetensors {
  const fail = (msg: string): never => {
    throw new DataError(`${name}: ${msg}`);
  };
  if (bytes.length < 8) fail(`not a .safetensors file (${bytes.length} bytes, header needs 8)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getBigUint64(0, true);
  if (len > BigInt(MAX_HEADER)) {
    fail(`header length ${formatInt(len)} exceeds the ${MAX_HEADER}-byte limit`);
  }
  const n = Number(len);
  if (8 + n > bytes.length) {
    fail(`header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${escapeUntrusted((e as Error).message)})`);
  }
  if (!isObject(header)) fail("header must be a JSON object");
  const buf = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const entries: { key: string; dtype: HostDType; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [key, v] of Object.entries(header as Record<string, unknown>)) {
    if (key === "__metadata__") {
      if (!isObject(v)) fail("__metadata__ must be an object of strings");
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== "string") fail(`__metadata__.${escapeUntrusted(mk)} must be a string`);
        metadata[mk] = mv as string;
      }
      continue;
    }
    const q = quoteUntrusted(key);
    const info = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== "object" || info === null) fail(`tensor ${q}: entry must be an object`);
    const code = info.dtype;
    if (typeof code !== "string" || !Object.hasOwn(CODE_TO_DTYPE, code)) {
      fail(
        `tensor ${q}: unsupported dtype ${
          typeof code === "string" ? quoteUntrusted(code) : describeJson(code)
        } (expected one of ` +
          `${Object.keys(CODE_TO_DTYPE).join(", ")})`,
      );
    }
    const dtype = CODE_TO_DTYPE[code as string]!;
    const shape = info.shape;
    if (
      !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
    ) {
      fail(`tensor ${q}: shape must be an array of non-negative integers`);
    }
    const off = info.data_offsets;
    if (
      !Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d)) ||
      off[0] < 0 || off[1] < off[0]
    ) {
      fail(`tensor ${q}: data_offsets must be [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = off as [number, number];
    if ((shape as unknown[]).length > MAX_RANK) {
      fail(
        `tensor ${q}: shape has ${(shape as unknown[]).length} dimensions (at most ${MAX_RANK})`,
      );
    }
    let want = BigInt(ITEM_SIZE[dtype]);
    for (const d of shape as number[]) want *= BigInt(d);
    if (BigInt(end - begin) !== want) {
      fail(
        `tensor ${q}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ` +
          `${code} shape ${listUntrusted(shape as number[])} needs ${formatInt(want)}`,
      );
    }
    if (end > buf.length) {
      fail(
        `tensor ${q}: data_offsets end ${end} is past the data buffer (${buf.length} bytes)`,
      );
    }
    entries.push({ key, dtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin !== pos) {
      fail(
        e.begin < pos
          ? `tensor ${
            quoteUntrusted(e.key)
          }: data_offsets overlap another tensor at byte ${e.begin}`
          : `data buffer has a gap at bytes [${pos}, ${e.begin}) not covered by any tensor`,
      );
    }
    pos = e.end;
  }
  if (pos !== buf.length) fail(`data buffer has ${buf.length - pos} trailing unused bytes`);
  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    const count = (e.end - e.begin) / ITEM_SIZE[e.dtype];
    const data = decodeElements(buf.subarray(e.begin, e.end), e.dtype, count);
    tensors.set(e.key, { dtype: e.dtype, shape: [...e.shape], data });
  }
  return { tensors, metadata };
}

/**
 * Encodes tensors as a `.safetensors` file: tensors laid out in the given order, header padded
 * with spaces so the data starts 8-byte aligned. float16/bfloat16 tensors (float32 data) are
 * rounded to nearest even.
 */
export function encodeSafetensors(
  tensors: Map<string, HostTensor> | [string, HostTensor][],
  metadata?: Record<string, string>,
): Uint8Array {
  const list = tensors instanceof Map ? [...tensors] : tensors;
  const header: Record<string, unknown> = Object.create(null);
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") {
        throw new DataError(`encodeSafetensors: metadata "${k}" must be a string`);
      }
    }
    header["__metadata__"] = metadata;
  }
  const bodies: Uint8Array[] = [];
  let pos = 0;
  for (const [key, t] of list) {
    if (key === "__metadata__" || Object.hasOwn(header, key)) {
      throw new DataError(`encodeSafetensors: duplicate or reserved tensor name "${key}"`);
    }
    checkHostTensor(t, `encodeSafetensors: tensor "${key}"`);
    const body = encodeElements(t);
    header[key] = {
      dtype: DTYPE_TO_CODE[t.dtype],
      shape: t.shape,
      data_offsets: [pos, pos + body.length],
    };
    bodies.push(body);
    pos += body.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(json.length + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + pos);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const b of bodies) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
