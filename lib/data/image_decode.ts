/**
 * PNG (npm fast-png) and JPEG decoding to 8-bit RGB, whatever the file's bit depth, palette or
 * alpha (alpha is dropped, as PIL's `convert("RGB")`).
 *
 * JPEG: libjpeg-turbo compiled to WebAssembly (npm @cwasm/jpeg-turbo; the .wasm ships inside the
 * package, nothing is fetched at run time), the library PIL itself uses (same default DCT and
 * "fancy" chroma upsampling), several times faster than jpeg-js. Where that module cannot load,
 * or when the environment sets `SLAK_JPEG_DECODER=jpeg-js`, the pure-JavaScript jpeg-js is used
 * instead ({@link jpegDecoder} says which); the choice is made once at import, so every image of
 * a run is decoded the same way. A file libjpeg-turbo cannot convert (CMYK) falls back to jpeg-js.
 *
 * @module
 */
import { convertIndexedToRgb, decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";
import { DataError } from "../util/errors.ts";

/** The JPEG decoders: libjpeg-turbo (WASM) and jpeg-js (JavaScript). */
export type JpegDecoder = "libjpeg-turbo" | "jpeg-js";

type TurboDecode = (
  bytes: Uint8Array,
) => { width: number; height: number; data: Uint8ClampedArray };

/** `SLAK_JPEG_DECODER=jpeg-js` forces the JavaScript decoder (unset, or no env permission: auto). */
function forcedJs(): boolean {
  try {
    return globalThis.Deno?.env.get("SLAK_JPEG_DECODER") === "jpeg-js";
  } catch {
    return false;
  }
}

async function loadTurbo(): Promise<TurboDecode | null> {
  if (forcedJs()) return null;
  try {
    const m = await import("@cwasm/jpeg-turbo");
    return m.decode as TurboDecode;
  } catch {
    return null;
  }
}

const turbo: TurboDecode | null = await loadTurbo();

/** The JPEG decoder in use (libjpeg-turbo unless its WASM module could not load). */
export function jpegDecoder(): JpegDecoder {
  return turbo !== null ? "libjpeg-turbo" : "jpeg-js";
}

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

/**
 * Decodes a JPEG file's bytes to RGB with `decoder` (default: {@link jpegDecoder}'s).
 * @throws Error when the bytes are not a decodable JPEG (or libjpeg-turbo is not loaded)
 */
export function decodeJpegRgb(bytes: Uint8Array, decoder: JpegDecoder = jpegDecoder()): RgbImage {
  if (decoder === "libjpeg-turbo") {
    if (turbo === null) throw new Error("the libjpeg-turbo WASM module is not loaded");
    const img = turbo(bytes);
    const n = img.width * img.height;
    const out = new Uint8Array(n * 3);
    const src = img.data;
    for (let i = 0, o = 0; i < n * 4; i += 4, o += 3) {
      out[o] = src[i]!;
      out[o + 1] = src[i + 1]!;
      out[o + 2] = src[i + 2]!;
    }
    return { width: img.width, height: img.height, data: out };
  }
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
    if (isPng) return decodePngRgb(bytes);
    try {
      return decodeJpegRgb(bytes);
    } catch (e) {
      // libjpeg-turbo's TurboJPEG API cannot convert CMYK/YCCK files to RGB; jpeg-js can
      if (jpegDecoder() === "jpeg-js") throw e;
      return decodeJpegRgb(bytes, "jpeg-js");
    }
  } catch (e) {
    throw new DataError(
      `${file}: cannot decode ${isPng ? "PNG" : "JPEG"} (${(e as Error).message})`,
    );
  }
}
