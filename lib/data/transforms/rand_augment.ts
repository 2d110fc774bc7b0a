/**
 * timm's RandAugment on 8-bit RGB images: `numLayers` ops chosen uniformly with replacement from
 * the op set, each applied with probability `prob` at a magnitude drawn from
 * `N(magnitude, magnitudeStd)` clamped to [0, magnitudeMax], mapped to the op's argument by timm's
 * level functions (level l = magnitude / 10):
 *
 * - Rotate ±30·l degrees; ShearX/Y ±0.3·l; TranslateX/YRel ±0.45·l of the side (sign drawn 50/50)
 * - PosterizeIncreasing keeps 4 − ⌊4l⌋ bits; SolarizeIncreasing threshold 256 − ⌊256l⌋;
 *   SolarizeAdd adds ⌊110l⌋ below 128
 * - Color/Contrast/Brightness/SharpnessIncreasing factor max(0.1, 1 ± 0.9l)
 * - the non-increasing set: Posterize ⌊4l⌋ bits, Solarize ⌊256l⌋, enhance factor 1.8l + 0.1
 *
 * Geometric ops fill with the normalisation mean as bytes (timm's `img_mean`) and resample with
 * the configured interpolation. Draw order per op: apply?, magnitude noise, sign.
 *
 * @module
 */
import type { Rng } from "../../util/rng.ts";
import type { RgbImage } from "../image_decode.ts";
import {
  type AffineResample,
  rotate,
  shearX,
  shearY,
  translateXRel,
  translateYRel,
} from "./affine.ts";
import {
  autoContrast,
  brightness,
  color,
  contrast,
  equalize,
  invert,
  posterize,
  sharpness,
  solarize,
  solarizeAdd,
} from "./pixel_ops.ts";
import type { RandAugmentSpec } from "./rand_augment_spec.ts";

/** The op names of timm's RandAugment sets. */
export type RandAugmentOpName =
  | "AutoContrast"
  | "Equalize"
  | "Invert"
  | "Rotate"
  | "Posterize"
  | "PosterizeIncreasing"
  | "Solarize"
  | "SolarizeIncreasing"
  | "SolarizeAdd"
  | "Color"
  | "ColorIncreasing"
  | "Contrast"
  | "ContrastIncreasing"
  | "Brightness"
  | "BrightnessIncreasing"
  | "Sharpness"
  | "SharpnessIncreasing"
  | "ShearX"
  | "ShearY"
  | "TranslateXRel"
  | "TranslateYRel";

/** timm's `_RAND_TRANSFORMS`, in its order. */
export const RAND_OPS: readonly RandAugmentOpName[] = [
  "AutoContrast",
  "Equalize",
  "Invert",
  "Rotate",
  "Posterize",
  "Solarize",
  "SolarizeAdd",
  "Color",
  "Contrast",
  "Brightness",
  "Sharpness",
  "ShearX",
  "ShearY",
  "TranslateXRel",
  "TranslateYRel",
];

/** timm's `_RAND_INCREASING_TRANSFORMS` (`inc1`), in its order. */
export const RAND_INCREASING_OPS: readonly RandAugmentOpName[] = [
  "AutoContrast",
  "Equalize",
  "Invert",
  "Rotate",
  "PosterizeIncreasing",
  "SolarizeIncreasing",
  "SolarizeAdd",
  "ColorIncreasing",
  "ContrastIncreasing",
  "BrightnessIncreasing",
  "SharpnessIncreasing",
  "ShearX",
  "ShearY",
  "TranslateXRel",
  "TranslateYRel",
];

/** Settings shared by all ops of one RandAugment. */
export interface RandAugmentContext {
  /** Fill colour of geometric ops (bytes). */
  fill: readonly [number, number, number];
  /** Resampling of geometric ops. */
  resample: AffineResample;
}

/** Negates `v` with probability 1/2 (timm: when a uniform draw exceeds 0.5). */
function randomlyNegate(v: number, rng: Rng): number {
  return rng.uniform() > 0.5 ? -v : v;
}

/**
 * The argument of op `name` at `magnitude` (0–10), drawing the sign where the op has one; null
 * for ops without an argument.
 */
export function levelToArg(name: RandAugmentOpName, magnitude: number, rng: Rng): number | null {
  const l = magnitude / 10;
  switch (name) {
    case "AutoContrast":
    case "Equalize":
    case "Invert":
      return null;
    case "Rotate":
      return randomlyNegate(l * 30, rng);
    case "Posterize":
      return Math.trunc(l * 4);
    case "PosterizeIncreasing":
      return 4 - Math.trunc(l * 4);
    case "Solarize":
      return Math.trunc(l * 256);
    case "SolarizeIncreasing":
      return 256 - Math.trunc(l * 256);
    case "SolarizeAdd":
      return Math.trunc(l * 110);
    case "Color":
    case "Contrast":
    case "Brightness":
    case "Sharpness":
      return l * 1.8 + 0.1;
    case "ColorIncreasing":
    case "ContrastIncreasing":
    case "BrightnessIncreasing":
    case "SharpnessIncreasing":
      return Math.max(0.1, 1 + randomlyNegate(l * 0.9, rng));
    case "ShearX":
    case "ShearY":
      return randomlyNegate(l * 0.3, rng);
    case "TranslateXRel":
    case "TranslateYRel":
      return randomlyNegate(l * 0.45, rng);
  }
}

/** Applies op `name` with argument `arg` (from {@link levelToArg}). */
export function applyOp(
  img: RgbImage,
  name: RandAugmentOpName,
  arg: number | null,
  ctx: RandAugmentContext,
): RgbImage {
  const a = arg ?? 0;
  const { fill, resample } = ctx;
  switch (name) {
    case "AutoContrast":
      return autoContrast(img);
    case "Equalize":
      return equalize(img);
    case "Invert":
      return invert(img);
    case "Rotate":
      return rotate(img, a, resample, fill);
    case "Posterize":
    case "PosterizeIncreasing":
      return posterize(img, a);
    case "Solarize":
    case "SolarizeIncreasing":
      return solarize(img, a);
    case "SolarizeAdd":
      return solarizeAdd(img, a);
    case "Color":
    case "ColorIncreasing":
      return color(img, a);
    case "Contrast":
    case "ContrastIncreasing":
      return contrast(img, a);
    case "Brightness":
    case "BrightnessIncreasing":
      return brightness(img, a);
    case "Sharpness":
    case "SharpnessIncreasing":
      return sharpness(img, a);
    case "ShearX":
      return shearX(img, a, resample, fill);
    case "ShearY":
      return shearY(img, a, resample, fill);
    case "TranslateXRel":
      return translateXRel(img, a, resample, fill);
    case "TranslateYRel":
      return translateYRel(img, a, resample, fill);
  }
}

/** One op as drawn: its name and argument (null when it was skipped by the probability draw). */
export interface RandAugmentDraw {
  /** The op. */
  name: RandAugmentOpName;
  /** Whether it is applied. */
  applied: boolean;
  /** Its argument (null: none, or not applied). */
  arg: number | null;
}

/** Draws one op application (apply?, magnitude noise, then the op's sign). */
export function drawOp(name: RandAugmentOpName, spec: RandAugmentSpec, rng: Rng): RandAugmentDraw {
  if (spec.prob < 1 && rng.uniform() > spec.prob) return { name, applied: false, arg: null };
  let m = spec.magnitude;
  if (spec.magnitudeStd > 0) m = m + spec.magnitudeStd * rng.normal();
  m = Math.max(0, Math.min(m, spec.magnitudeMax));
  return { name, applied: true, arg: levelToArg(name, m, rng) };
}

/** RandAugment on `img`: `numLayers` ops, each drawn and applied in turn. */
export function randAugment(
  img: RgbImage,
  spec: RandAugmentSpec,
  ctx: RandAugmentContext,
  rng: Rng,
): RgbImage {
  const ops = spec.increasing ? RAND_INCREASING_OPS : RAND_OPS;
  const names: RandAugmentOpName[] = [];
  for (let i = 0; i < spec.numLayers; i++) names.push(ops[rng.int(ops.length)]!);
  let out = img;
  for (const name of names) {
    const d = drawOp(name, spec, rng);
    if (d.applied) out = applyOp(out, name, d.arg, ctx);
  }
  return out;
}

/** timm's `img_mean` fill: each mean × 255, rounded (halves to even), at most 255. */
export function fillFromMean(mean: readonly number[]): [number, number, number] {
  const r = (v: number) => {
    const x = v * 255;
    const f = Math.floor(x);
    const d = x - f;
    const n = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
    return Math.min(255, Math.max(0, n));
  };
  return [r(mean[0] ?? 0.5), r(mean[1] ?? mean[0] ?? 0.5), r(mean[2] ?? mean[0] ?? 0.5)];
}
