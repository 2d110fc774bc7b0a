/**
 * torchvision's `ColorJitter(brightness=s, contrast=s, saturation=s)` on an 8-bit RGB image (what
 * timm's factory builds from `color_jitter = s` when RandAugment is off): the three factors are
 * drawn uniformly from [max(0, 1 − s), 1 + s], then applied in a random order (a permutation of
 * brightness, contrast, saturation, hue; hue is off) with Pillow's ImageEnhance ops.
 *
 * @module
 */
import type { Rng } from "../../util/rng.ts";
import type { RgbImage } from "../image_decode.ts";
import { brightness, color, contrast } from "./pixel_ops.ts";

/** Colour jitter of strength `strength` (0 = unchanged). */
export function colorJitter(img: RgbImage, strength: number, rng: Rng): RgbImage {
  if (strength <= 0) return img;
  const order = rng.permutation(4);
  const lo = Math.max(0, 1 - strength);
  const hi = 1 + strength;
  const draw = () => lo + (hi - lo) * rng.uniform();
  const b = draw();
  const c = draw();
  const s = draw();
  let out = img;
  for (const op of order) {
    if (op === 0) out = brightness(out, b);
    else if (op === 1) out = contrast(out, c);
    else if (op === 2) out = color(out, s);
  }
  return out;
}
