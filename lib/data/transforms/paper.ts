/**
 * The paper's training transform on one decoded image (timm's `transforms_imagenet_train` as the
 * official main.py configures it): RandomResizedCrop to `size` → horizontal flip → RandAugment (or
 * colour jitter when RandAugment is off) → normalise → RandomErasing, written as HWC floats.
 * Every draw comes from the sample's own `rng`, so a sample is a pure function of (image, rng).
 *
 * @module
 */
import type { Rng } from "../../util/rng.ts";
import type { PaperTrainTransform } from "../config_types.ts";
import type { RgbImage } from "../image_decode.ts";
import type { Normalize } from "../types.ts";
import { colorJitter } from "./color_jitter.ts";
import { hflip } from "./pixel_ops.ts";
import { fillFromMean, randAugment } from "./rand_augment.ts";
import { randomErasing } from "./random_erasing.ts";
import { randomResizedCrop } from "./random_resized_crop.ts";

/** The augmented `size`×`size` RGB bytes before normalisation (crop, flip, RandAugment/jitter). */
export function paperAugmentBytes(
  img: RgbImage,
  size: number,
  t: PaperTrainTransform,
  normalize: Normalize,
  rng: Rng,
): RgbImage {
  const rrc = t.randomResizedCrop;
  let out = randomResizedCrop(img, size, rrc, rrc.interpolation, rng);
  if (t.hflip > 0 && rng.uniform() < t.hflip) out = hflip(out);
  if (t.randAugment !== null) {
    const ctx = { fill: fillFromMean(normalize.mean), resample: rrc.interpolation };
    out = randAugment(out, t.randAugment, ctx, rng);
  } else if (t.colorJitter !== null && t.colorJitter > 0) {
    out = colorJitter(out, t.colorJitter, rng);
  }
  return out;
}

/**
 * Applies the whole transform to `img` and writes the normalised `size`×`size`×3 result into
 * `out` at `offset` (`lut` from `normalizeTable(normalize)`).
 */
export function paperTrainInto(
  img: RgbImage,
  size: number,
  t: PaperTrainTransform,
  normalize: Normalize,
  lut: Float32Array,
  rng: Rng,
  out: Float32Array,
  offset: number,
): void {
  const bytes = paperAugmentBytes(img, size, t, normalize, rng).data;
  for (let i = 0; i < bytes.length; i += 3) {
    out[offset + i] = lut[bytes[i]!]!;
    out[offset + i + 1] = lut[256 + bytes[i + 1]!]!;
    out[offset + i + 2] = lut[512 + bytes[i + 2]!]!;
  }
  if (t.randomErasing !== null) {
    randomErasing(out, offset, { h: size, w: size, c: 3 }, t.randomErasing, rng);
  }
}
