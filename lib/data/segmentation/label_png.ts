/**
 * Reading label maps from PNG files exactly, as mmseg's `LoadAnnotations` does with the pillow
 * backend (`flag="unchanged"`): a palette PNG gives its palette indices (not the colours), a gray
 * PNG gives its values. Bit depths 1, 2, 4 and 8 are read as stored (no rescaling to 0–255, unlike
 * image decoding); a 16-bit gray PNG is accepted only when every value fits a byte. Colour PNGs
 * and PNGs with alpha are rejected: a label map has one value per pixel.
 *
 * @module
 */
import { decode as decodePng } from "fast-png";
import { DataError } from "../../util/errors.ts";
import type { LabelMap } from "./types.ts";

/** Unpacks rows of `depth`-bit samples (1, 2 or 4, MSB first, rows padded to a byte). */
function unpackRows(data: ArrayLike<number>, w: number, h: number, depth: number): Uint8Array {
  const stride = Math.ceil((w * depth) / 8);
  const out = new Uint8Array(w * h);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const bit = x * depth;
      const byte = data[y * stride + (bit >> 3)]!;
      out[y * w + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/**
 * Decodes a label PNG to its per-pixel values.
 * @param bytes the file's bytes
 * @param file the file's path, for error messages
 * @throws DataError naming `file` when it is not a PNG, is corrupt, has colour or alpha channels,
 *   or is 16-bit with a value above 255
 * @example
 * ```ts
 * import { encode } from "fast-png";
 * const png = encode({ width: 2, height: 1, data: new Uint8Array([0, 150]), channels: 1 });
 * const label = decodeLabelPng(png, "a.png");
 * if (label.data[1] !== 150) throw new Error("label values must be kept as stored");
 * ```
 */
export function decodeLabelPng(bytes: Uint8Array, file: string): LabelMap {
  const isPng = bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e;
  if (!isPng) throw new DataError(`${file}: not a PNG file (label maps must be PNG)`);
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes);
  } catch (e) {
    throw new DataError(`${file}: cannot decode PNG (${(e as Error).message})`);
  }
  const { width: w, height: h, depth, channels } = png;
  if (channels !== 1) {
    throw new DataError(
      `${file}: label PNG has ${channels} channels; expected a gray or palette PNG ` +
        "(one class index per pixel)",
    );
  }
  if (depth < 8) return { width: w, height: h, data: unpackRows(png.data, w, h, depth) };
  const data = new Uint8Array(w * h);
  const src = png.data;
  for (let i = 0; i < w * h; i++) {
    const v = src[i]!;
    if (v > 255) {
      throw new DataError(
        `${file}: 16-bit label PNG has value ${v} at pixel ${i}; label values must be 0..255`,
      );
    }
    data[i] = v;
  }
  return { width: w, height: h, data };
}
