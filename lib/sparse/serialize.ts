/**
 * Masks to and from bytes, for checkpoints. Bit-packed (element i is bit i % 8, LSB first, of
 * byte ⌊i/8⌋), behind a small JSON header naming each layer and its shape:
 *
 *   "SLKM" | u32 LE version (1) | u32 LE header length | header JSON | packed bits
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import { numel } from "../util/shape.ts";
import type { ShapeMap } from "./types.ts";

const MAGIC = "SLKM";
const VERSION = 1;

/** Packs a 0/1 mask into ⌈n/8⌉ bytes (any non-zero entry counts as 1). */
export function packBits(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) out[i >>> 3]! |= 1 << (i & 7);
  return out;
}

/** Unpacks `numel` 0/1 entries from bytes written by {@link packBits}. */
export function unpackBits(bytes: Uint8Array, numel: number): Uint8Array {
  if (bytes.length < Math.ceil(numel / 8)) {
    throw new RangeError(`unpackBits: ${bytes.length} bytes cannot hold ${numel} entries`);
  }
  const out = new Uint8Array(numel);
  for (let i = 0; i < numel; i++) out[i] = (bytes[i >>> 3]! >>> (i & 7)) & 1;
  return out;
}

interface HeaderEntry {
  name: string;
  shape: number[];
  offset: number;
  bytes: number;
}

/**
 * All masks in one byte string (see the module doc for the layout).
 *
 * @param masks host masks
 * @param shapes the weights' shapes (stored, and checked against the mask sizes)
 * @example
 * ```ts
 * const shapes = new Map([["w", [2, 5]]]);
 * const masks = new Map([["w", new Uint8Array([1, 0, 0, 1, 1, 0, 1, 0, 0, 1])]]);
 * const bytes = serializeMasks(masks, shapes);
 * const back = deserializeMasks(bytes, shapes).masks;
 * ```
 */
export function serializeMasks(
  masks: ReadonlyMap<string, Uint8Array>,
  shapes: ShapeMap,
): Uint8Array {
  const entries: HeaderEntry[] = [];
  const packed: Uint8Array[] = [];
  let offset = 0;
  for (const [name, m] of masks) {
    const shape = shapes.get(name);
    if (shape === undefined || numel(shape) !== m.length) {
      throw new RangeError(`serializeMasks: shape of "${name}" missing or not matching the mask`);
    }
    const p = packBits(m);
    entries.push({ name, shape: [...shape], offset, bytes: p.length });
    packed.push(p);
    offset += p.length;
  }
  const header = new TextEncoder().encode(JSON.stringify({ layers: entries }));
  const out = new Uint8Array(12 + header.length + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  let o = 12 + header.length;
  for (const p of packed) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Masks back from {@link serializeMasks} output. With `expected` shapes, every stored layer must
 * exist there with the same shape (DataError naming the layer otherwise).
 *
 * @param bytes serialized masks
 * @param expected the model's maskable shapes, to check against (optional)
 * @param source file name for error messages
 * @returns the masks and their stored shapes, in stored order
 */
export function deserializeMasks(
  bytes: Uint8Array,
  expected?: ShapeMap,
  source = "masks",
): { masks: Map<string, Uint8Array>; shapes: Map<string, number[]> } {
  const fail = (why: string): never => {
    throw new DataError(`${source}: ${why}`);
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    fail(`not a mask file (expected magic "${MAGIC}")`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) fail(`mask format version ${version}, expected ${VERSION}`);
  const hlen = view.getUint32(8, true);
  if (12 + hlen > bytes.length) fail("truncated header");
  let layers: HeaderEntry[] = [];
  try {
    layers = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen))).layers;
  } catch {
    fail("unreadable header");
  }
  if (!Array.isArray(layers)) fail("header has no layer list");
  const base = 12 + hlen;
  const masks = new Map<string, Uint8Array>();
  const shapes = new Map<string, number[]>();
  for (const e of layers) {
    const count = Array.isArray(e.shape) ? numel(e.shape) : NaN;
    if (
      typeof e.name !== "string" || !Number.isInteger(count) || e.bytes !== Math.ceil(count / 8)
    ) {
      fail(`bad header entry ${JSON.stringify(e)}`);
    }
    if (base + e.offset + e.bytes > bytes.length) fail(`truncated data for "${e.name}"`);
    if (expected !== undefined) {
      const s = expected.get(e.name);
      if (s === undefined) fail(`mask for "${e.name}", which the model has no maskable weight for`);
      if (s!.length !== e.shape.length || s!.some((d, i) => d !== e.shape[i])) {
        fail(`mask of "${e.name}" has shape [${e.shape}], the weight is [${s}]`);
      }
    }
    const start = base + e.offset;
    masks.set(e.name, unpackBits(bytes.subarray(start, start + e.bytes), count));
    shapes.set(e.name, e.shape);
  }
  return { masks, shapes };
}
