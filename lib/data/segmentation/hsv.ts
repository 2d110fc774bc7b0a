/**
 * OpenCV's 8-bit RGB ↔ HSV conversions (`cv2.COLOR_BGR2HSV` / `COLOR_HSV2BGR` on `uint8`, hue in
 * 0..179), which mmcv's `bgr2hsv` / `hsv2bgr` call inside mmseg's `PhotoMetricDistortion`.
 *
 * Forward (integer, 12-bit tables): `v = max`, `diff = v − min`,
 * `s = (diff · round(255·4096 / v) + 2048) >> 12`, hue from the max channel
 * (`g − b`, `b − r + 2·diff` or `r − g + 4·diff`) times `round(180·4096 / (6·diff))`, rounded the
 * same way and wrapped into 0..179. Backward (float32): `h · 6/180` split into a sector and a
 * fraction, the channels `v`, `v(1 − s)`, `v(1 − s·f)`, `v(1 − s(1 − f))` picked per sector (the
 * inner `1 − s·x` rounded once, as the fused multiply-add OpenCV's x86-64 build compiles it to),
 * then `× 255` and converted to a byte. OpenCV converts row by row, and its vector path (whole blocks
 * of 32 pixels in an AVX2 build, the x86-64 default) truncates while its scalar tail (the last
 * `width mod 32` pixels of each row) rounds half to even; {@link hsvToRgb} does the same given the
 * row width. Both directions were checked bit-exact against OpenCV 4.6 (x86-64, AVX2) on random
 * colours and row widths. Channel order here is RGB (OpenCV's BGR with its blue index gives the
 * same values).
 *
 * @module
 */
import { roundHalfEven } from "./resize.ts";

const SHIFT = 12;
const HALF = 1 << (SHIFT - 1);
const SDIV = new Int32Array(256);
const HDIV = new Int32Array(256);
for (let i = 1; i < 256; i++) {
  SDIV[i] = roundHalfEven((255 << SHIFT) / i);
  HDIV[i] = roundHalfEven((180 << SHIFT) / (6 * i));
}

/** Sector table of the backward conversion: indices into (v, p, q, t) for (b, g, r). */
const SECTORS: readonly (readonly [number, number, number])[] = [
  [1, 3, 0],
  [1, 0, 2],
  [3, 0, 1],
  [0, 2, 1],
  [0, 1, 3],
  [2, 1, 0],
];

/**
 * Converts RGB bytes (HWC, 3 channels) to OpenCV 8-bit HSV in place-compatible output.
 * @example
 * ```ts
 * const hsv = rgbToHsv(new Uint8Array([0, 255, 0]));
 * if (hsv.join() !== "60,255,255") throw new Error("green is hue 60 of 180");
 * ```
 */
export function rgbToHsv(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i]!;
    const g = rgb[i + 1]!;
    const b = rgb[i + 2]!;
    const v = Math.max(r, g, b);
    const diff = v - Math.min(r, g, b);
    const s = (diff * SDIV[v]! + HALF) >> SHIFT;
    let h: number;
    if (v === r) h = g - b;
    else if (v === g) h = b - r + 2 * diff;
    else h = r - g + 4 * diff;
    h = (h * HDIV[diff]! + HALF) >> SHIFT;
    if (h < 0) h += 180;
    out[i] = h;
    out[i + 1] = s;
    out[i + 2] = v;
  }
  return out;
}

/** Pixels per vector block of OpenCV's 8-bit HSV → RGB conversion in an AVX2 build. */
export const HSV2RGB_BLOCK = 32;

/**
 * Converts OpenCV 8-bit HSV (hue 0..179) back to RGB bytes, row by row as OpenCV does.
 * @param hsv HWC bytes
 * @param width pixels per row (default: the whole array is one row)
 * @param block vector block size whose pixels are truncated rather than rounded
 * @example
 * ```ts
 * const rgb = hsvToRgb(new Uint8Array([120, 255, 255]));
 * if (rgb.join() !== "0,0,255") throw new Error("hue 120 of 180 is blue");
 * ```
 */
export function hsvToRgb(
  hsv: Uint8Array,
  width: number = hsv.length / 3,
  block: number = HSV2RGB_BLOCK,
): Uint8Array {
  const out = new Uint8Array(hsv.length);
  const f = Math.fround;
  const hscale = f(6 / 180);
  const inv255 = f(1 / 255);
  const tab = new Float32Array(4);
  const vectorWidth = Math.floor(width / block) * block;
  for (let i = 0, p = 0; i < hsv.length; i += 3, p++) {
    const h0 = hsv[i]!;
    const s = f(hsv[i + 1]! * inv255);
    const v = f(hsv[i + 2]! * inv255);
    let sector = Math.floor(f(h0 * hscale));
    const h = f(f(h0 * hscale) - sector);
    sector %= 6;
    tab[0] = v;
    tab[1] = f(v * f(1 - s));
    // OpenCV's build fuses `1 − s·h` into one FMA (one rounding): s·h is exact in a double.
    tab[2] = f(v * f(1 - s * h));
    tab[3] = f(v * f(1 - s * f(1 - h)));
    const sec = SECTORS[sector]!;
    const b = s === 0 ? v : tab[sec[0]]!;
    const g = s === 0 ? v : tab[sec[1]]!;
    const r = s === 0 ? v : tab[sec[2]]!;
    const trunc = p % width < vectorWidth;
    out[i] = toByte(r, trunc);
    out[i + 1] = toByte(g, trunc);
    out[i + 2] = toByte(b, trunc);
  }
  return out;
}

function toByte(x: number, trunc: boolean): number {
  const y = Math.fround(x * 255);
  const v = trunc ? Math.trunc(y) : roundHalfEven(y);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
