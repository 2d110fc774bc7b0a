/**
 * mmseg's (0.x) segmentation pipeline operations as pure functions on typed arrays: each takes an
 * image/label pair (and a seeded {@link Rng} where mmseg draws from numpy's global generator) and
 * returns a new pair. Draws map to numpy's as: `random_sample()` and `rand()` → `rng.uniform()`,
 * `randint(0, n)` → `rng.int(n)`, `uniform(a, b)` → `a + (b − a) · rng.uniform()`,
 * `randint(−d, d)` → `−d + rng.int(2d)` (numpy's upper bound is exclusive), in mmseg's order.
 *
 * @module
 */
import type { Rng } from "../../util/rng.ts";
import { hsvToRgb, rgbToHsv } from "./hsv.ts";
import { rescaleSize, resizeBilinearU8, resizeNearestU8 } from "./resize.ts";
import { IGNORE_INDEX, type LabelMap, type SegImage, type SegPair } from "./types.ts";

/**
 * `Resize(img_scale=scale, keep_ratio=True)` with a fixed scale: the image bilinearly, the label
 * with nearest, to {@link rescaleSize}'s size.
 */
export function rescalePair(pair: SegPair, scale: [number, number]): SegPair {
  const { width, height } = rescaleSize(pair.image.width, pair.image.height, scale);
  return {
    image: resizeBilinearU8(pair.image, width, height),
    label: resizeNearestU8(pair.label, width, height),
  };
}

/**
 * `Resize(img_scale=scale, ratio_range=ratioRange)`: draws `ratio = lo + (hi − lo) · u`, scales
 * both sides of `scale` by it (truncated to integers), then {@link rescalePair}.
 */
export function randomRescale(
  pair: SegPair,
  scale: [number, number],
  ratioRange: [number, number],
  rng: Rng,
): SegPair {
  const ratio = rng.uniform() * (ratioRange[1] - ratioRange[0]) + ratioRange[0];
  return rescalePair(pair, [Math.trunc(scale[0] * ratio), Math.trunc(scale[1] * ratio)]);
}

/** A crop box: rows `[y1, y2)` and columns `[x1, x2)` (may reach past the image; clipped). */
export interface CropBox {
  /** First row. */
  y1: number;
  /** End row (exclusive). */
  y2: number;
  /** First column. */
  x1: number;
  /** End column (exclusive). */
  x2: number;
}

function drawCrop(h: number, w: number, ch: number, cw: number, rng: Rng): CropBox {
  const y1 = rng.int(Math.max(h - ch, 0) + 1);
  const x1 = rng.int(Math.max(w - cw, 0) + 1);
  return { y1, y2: y1 + ch, x1, x2: x1 + cw };
}

/** Crops an image to `box` (clipped to the image, as numpy slicing). */
export function cropImage(img: SegImage, box: CropBox): SegImage {
  const y2 = Math.min(box.y2, img.height);
  const x2 = Math.min(box.x2, img.width);
  const w = x2 - box.x1;
  const h = y2 - box.y1;
  const c = img.channels;
  const out = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const src = ((box.y1 + y) * img.width + box.x1) * c;
    out.set(img.data.subarray(src, src + w * c), y * w * c);
  }
  return { width: w, height: h, channels: c, data: out };
}

/** Crops a label map to `box` (clipped to the map). */
export function cropLabel(label: LabelMap, box: CropBox): LabelMap {
  const img = cropImage({ ...label, channels: 1 }, box);
  return { width: img.width, height: img.height, data: img.data };
}

/**
 * Whether mmseg's `cat_max_ratio` test accepts a cropped label map: more than one non-ignored
 * class, and the most frequent one covering less than `catMaxRatio` of the non-ignored pixels.
 */
export function cropAccepted(label: LabelMap, catMaxRatio: number, ignoreIndex: number): boolean {
  const counts = new Int32Array(256);
  for (let i = 0; i < label.data.length; i++) counts[label.data[i]!]!++;
  counts[ignoreIndex] = 0;
  let classes = 0, total = 0, max = 0;
  for (let v = 0; v < 256; v++) {
    const n = counts[v]!;
    if (n === 0) continue;
    classes++;
    total += n;
    if (n > max) max = n;
  }
  return classes > 1 && max / total < catMaxRatio;
}

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Crop height. */
  height: number;
  /** Crop width. */
  width: number;
  /** Largest share one class may cover (1 disables the test). */
  catMaxRatio: number;
  /** Label ignored by the test (default 255). */
  ignoreIndex?: number;
}

/**
 * `RandomCrop(crop_size, cat_max_ratio)`: draws a box (row offset, then column offset); when
 * `catMaxRatio < 1`, up to 10 times checks the cropped labels with {@link cropAccepted} and draws a
 * new box after each rejection, so after 10 rejections the 11th box is used. Images smaller than
 * the crop keep their size on that axis (padding comes later).
 */
export function randomCrop(pair: SegPair, opts: RandomCropOptions, rng: Rng): SegPair {
  const { height: h, width: w } = pair.image;
  const ignore = opts.ignoreIndex ?? IGNORE_INDEX;
  let box = drawCrop(h, w, opts.height, opts.width, rng);
  if (opts.catMaxRatio < 1) {
    for (let t = 0; t < 10; t++) {
      if (cropAccepted(cropLabel(pair.label, box), opts.catMaxRatio, ignore)) break;
      box = drawCrop(h, w, opts.height, opts.width, rng);
    }
  }
  return { image: cropImage(pair.image, box), label: cropLabel(pair.label, box) };
}

/** Mirrors an image left-right. */
export function flipImage(img: SegImage): SegImage {
  const { width: w, height: h, channels: c } = img;
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * c;
      const d = (y * w + (w - 1 - x)) * c;
      for (let k = 0; k < c; k++) out[d + k] = img.data[s + k]!;
    }
  }
  return { width: w, height: h, channels: c, data: out };
}

/** `RandomFlip(prob)`, horizontal: flips image and label when `rng.uniform() < prob`. */
export function randomFlip(pair: SegPair, prob: number, rng: Rng): SegPair {
  if (!(rng.uniform() < prob)) return pair;
  const lab = flipImage({ ...pair.label, channels: 1 });
  return {
    image: flipImage(pair.image),
    label: { width: lab.width, height: lab.height, data: lab.data },
  };
}

/** Settings of {@link photoMetricDistortion} (mmseg's defaults in {@link PHOTOMETRIC_DEFAULTS}). */
export interface PhotoMetricOptions {
  /** Brightness offset drawn from [−delta, delta). */
  brightnessDelta: number;
  /** Contrast factor range. */
  contrastRange: [number, number];
  /** Saturation factor range. */
  saturationRange: [number, number];
  /** Hue offset drawn from the integers [−delta, delta) (units of 2°). */
  hueDelta: number;
}

/** mmseg's `PhotoMetricDistortion()` defaults. */
export const PHOTOMETRIC_DEFAULTS: Readonly<PhotoMetricOptions> = {
  brightnessDelta: 32,
  contrastRange: [0.5, 1.5],
  saturationRange: [0.5, 1.5],
  hueDelta: 18,
};

/**
 * mmseg's `convert`: `uint8(clip(float32(v) · alpha + beta, 0, 255))` on every byte with the
 * float32 arithmetic numpy uses and truncation toward zero.
 */
export function convertBytes(data: Uint8Array, alpha: number, beta: number): Uint8Array {
  const f = Math.fround;
  const a = f(alpha);
  const b = f(beta);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = f(f(data[i]! * a) + b);
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
  return out;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

function withData(img: SegImage, data: Uint8Array): SegImage {
  return { width: img.width, height: img.height, channels: img.channels, data };
}

function contrast(img: SegImage, o: PhotoMetricOptions, rng: Rng): SegImage {
  if (rng.int(2) === 0) return img;
  const alpha = uniform(rng, o.contrastRange[0], o.contrastRange[1]);
  return withData(img, convertBytes(img.data, alpha, 0));
}

/**
 * `PhotoMetricDistortion` on an RGB image, in mmseg's order and draws: brightness (p = ½,
 * offset uniform in ±delta); `mode = randint(2)`; contrast here when mode is 1; saturation
 * (p = ½, the HSV S channel scaled); hue (p = ½, integer offset added to H modulo 180); contrast
 * here when mode is 0. Each step draws its coin first and its amount only when applied. The
 * HSV round trips follow OpenCV per row (hsv.ts), so they are bit-exact given the image width.
 */
export function photoMetricDistortion(
  img: SegImage,
  rng: Rng,
  o: PhotoMetricOptions = PHOTOMETRIC_DEFAULTS,
): SegImage {
  if (img.channels !== 3) throw new Error(`photoMetricDistortion: needs RGB, got ${img.channels}`);
  let out = img;
  if (rng.int(2) === 1) {
    const beta = uniform(rng, -o.brightnessDelta, o.brightnessDelta);
    out = withData(out, convertBytes(out.data, 1, beta));
  }
  const mode = rng.int(2);
  if (mode === 1) out = contrast(out, o, rng);
  if (rng.int(2) === 1) {
    const alpha = uniform(rng, o.saturationRange[0], o.saturationRange[1]);
    const hsv = rgbToHsv(out.data);
    const n = hsv.length / 3;
    const s = new Uint8Array(n);
    for (let i = 0; i < n; i++) s[i] = hsv[i * 3 + 1]!;
    const s2 = convertBytes(s, alpha, 0);
    for (let i = 0; i < n; i++) hsv[i * 3 + 1] = s2[i]!;
    out = withData(out, hsvToRgb(hsv, out.width));
  }
  if (rng.int(2) === 1) {
    const delta = -o.hueDelta + rng.int(2 * o.hueDelta);
    const hsv = rgbToHsv(out.data);
    for (let i = 0; i < hsv.length; i += 3) hsv[i] = (((hsv[i]! + delta) % 180) + 180) % 180;
    out = withData(out, hsvToRgb(hsv, out.width));
  }
  if (mode === 0) out = contrast(out, o, rng);
  return out;
}

/** Per-channel normalization in 0–255 units: `(v − mean[c]) / std[c]`. */
export interface PixelNorm {
  /** Per-channel mean (0–255 scale). */
  mean: readonly number[];
  /** Per-channel std (0–255 scale). */
  std: readonly number[];
}

/** mmseg's ADE20K `img_norm_cfg` (ImageNet statistics in 0–255 units, RGB). */
export const IMAGENET_PIXEL_NORM: Readonly<PixelNorm> = {
  mean: [123.675, 116.28, 103.53],
  std: [58.395, 57.12, 57.375],
};

/**
 * `Normalize`: float32 `(v − mean) · (1 / std)` per channel, HWC (the image is RGB already, so
 * `to_rgb` has nothing left to do).
 */
export function normalizeImage(img: SegImage, norm: PixelNorm): Float32Array {
  const c = img.channels;
  if (norm.mean.length !== c || norm.std.length !== c) {
    throw new Error(`normalizeImage: ${c} channels but ${norm.mean.length} means`);
  }
  const inv = norm.std.map((s) => 1 / s);
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const k = i % c;
    out[i] = (img.data[i]! - norm.mean[k]!) * inv[k]!;
  }
  return out;
}

/**
 * `Pad(size, pad_val, seg_pad_val)`: pads a normalized HWC image and its label at the bottom and
 * right to at least `height`×`width` (larger inputs keep their size).
 */
export function padSample(
  image: Float32Array,
  label: LabelMap,
  channels: number,
  height: number,
  width: number,
  padValue = 0,
  segPadValue = IGNORE_INDEX,
): { image: Float32Array; label: LabelMap } {
  const { width: w, height: h } = label;
  const ow = Math.max(w, width);
  const oh = Math.max(h, height);
  if (ow === w && oh === h) return { image, label };
  const img = new Float32Array(oh * ow * channels).fill(padValue);
  const lab = new Uint8Array(oh * ow).fill(segPadValue);
  for (let y = 0; y < h; y++) {
    img.set(image.subarray(y * w * channels, (y + 1) * w * channels), y * ow * channels);
    lab.set(label.data.subarray(y * w, (y + 1) * w), y * ow);
  }
  return { image: img, label: { width: ow, height: oh, data: lab } };
}
