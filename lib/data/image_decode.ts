/**
 * PNG (npm fast-png) and JPEG (npm jpeg-js) decoding to 8-bit RGB, whatever the file's bit depth,
 * palette or alpha (alpha is dropped, as PIL's `convert("RGB")`).
 *
 * @module
 */
import { convertIndexedToRgb, decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";
import { DataError } from "../util/errors.ts";

/** An 8-bit RGB image, HWC. */
export interface RgbImage {
  width: number;
  height: number;
  /** `height * width * 3` bytes. */
  data: Uint8Array;
}

function toRgb(src: ArrayLike<number>, w: number, h: number, ch: number, max: number): RgbImage {
  const out = new Uint8Array(w * h * 3);
  const scale = 255 / max;
  for (let i = 0, o = 0; i < w * h; i++, o += 3) {
    const s = i * ch;
    if (ch <= 2) {
      const v = Math.round(src[s]! * scale);
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    } else {
      out[o] = Math.round(src[s]! * scale);
      out[o + 1] = Math.round(src[s + 1]! * scale);
      out[o + 2] = Math.round(src[s + 2]! * scale);
    }
  }
  return { width: w, height: h, data: out };
}

function unpackBits(
  data: ArrayLike<number>,
  w: number,
  h: number,
  ch: number,
  depth: number,
): Uint8Array {
  const stride = Math.ceil((w * ch * depth) / 8);
  const out = new Uint8Array(w * h * ch);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w * ch; i++) {
      const bit = i * depth;
      const byte = data[y * stride + (bit >> 3)]!;
      out[y * w * ch + i] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Decodes a PNG file's bytes to RGB. */
export function decodePngRgb(bytes: Uint8Array): RgbImage {
  const png = decodePng(bytes);
  const { width: w, height: h } = png;
  if (png.palette !== undefined) {
    const rgb = convertIndexedToRgb(png);
    return toRgb(rgb, w, h, png.palette[0]?.length ?? 3, 255);
  }
  const ch = png.channels;
  if (png.depth < 8) {
    return toRgb(unpackBits(png.data, w, h, ch, png.depth), w, h, ch, (1 << png.depth) - 1);
  }
  return toRgb(png.data, w, h, ch, png.depth === 16 ? 65535 : 255);
}

/** Decodes a JPEG file's bytes to RGB. */
export function decodeJpegRgb(bytes: Uint8Array): RgbImage {
  const img = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxMemoryUsageInMB: 2048,
  });
  const n = img.width * img.height;
  if (img.data.length === n * 3) return { width: img.width, height: img.height, data: img.data };
  return toRgb(img.data, img.width, img.height, img.data.length / n, 255);
}

/**
 * Decodes a PNG or JPEG file by its signature.
 * @throws DataError naming `file` when it is neither or is corrupt
 */
export function decodeImage(bytes: Uint8Array, file: string): RgbImage {
  const isPng = bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e;
  const isJpeg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8;
  if (!isPng && !isJpeg) throw new DataError(`${file}: neither a PNG nor a JPEG file`);
  try {
    return isPng ? decodePngRgb(bytes) : decodeJpegRgb(bytes);
  } catch (e) {
    throw new DataError(
      `${file}: cannot decode ${isPng ? "PNG" : "JPEG"} (${(e as Error).message})`,
    );
  }
}
