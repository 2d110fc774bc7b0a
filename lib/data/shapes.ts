/**
 * A deterministic generator of small shape images in eight classes: a filled disc, a ring, a filled
 * square, a square frame, and a bar at 0°, 45°, 90° or 135° (counter-clockwise from horizontal).
 * Each image draws one shape at a random size (half extent 20–34 % of the side), tilt (±15°),
 * brightness, contrast and position on a background with Gaussian pixel noise; the class is the
 * shape. The position is the image centre shifted by up to `shift` times the room the shape leaves
 * on each side (0: centred; 1: anywhere it fits), which sets the difficulty: a small ConvNet learns
 * the centred task within a few dozen steps and needs far more steps as `shift` grows (translation
 * invariance is what it learns slowest). It is a set-up-free task for smoke runs, unlike
 * Pathfinder, which stays at chance at small budgets.
 *
 * Shapes are defined in a unit frame (y down, every point within {@link SHAPE_EXTENT} of the
 * centre) that is rotated, scaled to the drawn half extent and moved onto the image. Each pixel
 * averages 4×4 sub-pixel samples of the shape's indicator (anti-aliasing), then gets noise with
 * standard deviation `noise` (full scale = 1) and is clamped to [0, 1] and stored as a byte.
 *
 * @module
 */
import { Rng } from "../util/rng.ts";

/** Bumped whenever the generator's output changes. */
export const SHAPES_VERSION = 1;

/** Class names of the shapes data set (index = label); `bar_A` is a bar at A degrees. */
export const SHAPES_CLASSES = [
  "disc",
  "ring",
  "square",
  "frame",
  "bar_0",
  "bar_45",
  "bar_90",
  "bar_135",
] as const;

/** A shape class name. */
export type ShapeClass = typeof SHAPES_CLASSES[number];

/** The random draws an image was made from (for tests and inspection). */
export interface ShapeParams {
  /** Centre in pixels (x). */
  cx: number;
  /** Centre in pixels (y, down). */
  cy: number;
  /** Half extent: pixels per unit of the shape's frame. */
  radius: number;
  /** Tilt in radians (counter-clockwise on screen), on top of a bar's class angle. */
  tilt: number;
  /** Background level in [0, 1]. */
  background: number;
  /** Shape level in [0, 1] (always brighter than the background). */
  foreground: number;
}

/** A generated image. */
export interface ShapeImage {
  /** `size * size` gray bytes. */
  pixels: Uint8Array;
  /** Class index into {@link SHAPES_CLASSES}. */
  label: number;
  /** What was drawn. */
  params: ShapeParams;
}

/** Largest distance of a shape's points from its centre, in units of its half extent. */
export const SHAPE_EXTENT = 0.8 * Math.SQRT2;

const RING_INNER = 0.7;
const SQUARE_HALF = 0.8;
const FRAME_INNER = 0.55;
const BAR_HALF_LENGTH = 1;
const BAR_HALF_WIDTH = 0.3;
const TILT = 15 * Math.PI / 180;
const SIDE_SHARE: readonly [number, number] = [0.2, 0.34];
const SUBSAMPLES = 4;

/**
 * Whether the point (x, y) of the unit frame (y down, before any rotation) lies inside shape
 * `label`; the bars are all horizontal here (their class angle is applied as a rotation).
 */
export function insideShape(label: number, x: number, y: number): boolean {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  switch (SHAPES_CLASSES[label]) {
    case "disc":
      return x * x + y * y <= 1;
    case "ring": {
      const r2 = x * x + y * y;
      return r2 <= 1 && r2 >= RING_INNER * RING_INNER;
    }
    case "square":
      return ax <= SQUARE_HALF && ay <= SQUARE_HALF;
    case "frame":
      return ax <= SQUARE_HALF && ay <= SQUARE_HALF && Math.max(ax, ay) >= FRAME_INNER;
    case "bar_0":
    case "bar_45":
    case "bar_90":
    case "bar_135":
      return ax <= BAR_HALF_LENGTH && ay <= BAR_HALF_WIDTH;
    default:
      throw new RangeError(`insideShape: label ${label} is not in [0, ${SHAPES_CLASSES.length})`);
  }
}

/** The class angle of shape `label` in radians (a bar's direction; 0 for the others). */
function classAngle(label: number): number {
  const m = /^bar_(\d+)$/.exec(SHAPES_CLASSES[label]!);
  return m === null ? 0 : Number(m[1]) * Math.PI / 180;
}

/**
 * Draws one image of shape `label` on a `size`×`size` canvas from `rng`.
 * @param size side in pixels
 * @param label class index into {@link SHAPES_CLASSES}
 * @param noise standard deviation of the Gaussian pixel noise (full scale = 1)
 * @param shift share in [0, 1] of the room left around the shape used to move its centre
 * @param rng the generator (advanced)
 * @example
 * ```ts
 * import { Rng } from "../util/rng.ts";
 * const im = generateShape(32, 0, 0.1, 0.5, Rng.stream(0, "shapes"));
 * if (im.pixels.length !== 32 * 32 || im.label !== 0) throw new Error("bad image");
 * ```
 */
export function generateShape(
  size: number,
  label: number,
  noise: number,
  shift: number,
  rng: Rng,
): ShapeImage {
  if (!Number.isInteger(label) || label < 0 || label >= SHAPES_CLASSES.length) {
    throw new RangeError(`generateShape: label ${label} is not in [0, ${SHAPES_CLASSES.length})`);
  }
  const radius = size * (SIDE_SHARE[0] + (SIDE_SHARE[1] - SIDE_SHARE[0]) * rng.uniform());
  const reach = SHAPE_EXTENT * radius;
  const margin = reach + 0.5;
  const room = Math.max(0, size / 2 - margin) * shift;
  const cx = size / 2 + room * (2 * rng.uniform() - 1);
  const cy = size / 2 + room * (2 * rng.uniform() - 1);
  const tilt = (2 * rng.uniform() - 1) * TILT;
  const background = 0.05 + 0.35 * rng.uniform();
  const foreground = Math.min(1, background + 0.3 + 0.35 * rng.uniform());
  // Screen angle a (counter-clockwise, y down): the frame's point (x, y) lands at offset
  // (x cos a + y sin a, −x sin a + y cos a) · radius; `toFrame` inverts that.
  const a = classAngle(label) + tilt;
  const cos = Math.cos(a) / radius;
  const sin = Math.sin(a) / radius;
  const pixels = new Uint8Array(size * size);
  const sub = 1 / SUBSAMPLES;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      if (Math.abs(px + 0.5 - cx) <= reach + 1 && Math.abs(py + 0.5 - cy) <= reach + 1) {
        for (let sy = 0; sy < SUBSAMPLES; sy++) {
          for (let sx = 0; sx < SUBSAMPLES; sx++) {
            const dx = px + (sx + 0.5) * sub - cx;
            const dy = py + (sy + 0.5) * sub - cy;
            if (insideShape(label, cos * dx - sin * dy, sin * dx + cos * dy)) hits++;
          }
        }
      }
      const cover = hits * sub * sub;
      const v = background + (foreground - background) * cover + noise * rng.normal();
      pixels[py * size + px] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  return { pixels, label, params: { cx, cy, radius, tilt, background, foreground } };
}

/**
 * Image `index` of a shapes split: its own generator stream (so any image can be made alone), and
 * label `index mod 8`, so every split is balanced (class counts differ by at most one).
 */
export function shapesSample(
  opts: { size: number; noise: number; shift: number; seed: number; split: string },
  index: number,
): ShapeImage {
  const rng = Rng.stream(
    opts.seed,
    `shapes/v${SHAPES_VERSION}/${opts.size}/${opts.split}/${index}`,
  );
  return generateShape(opts.size, index % SHAPES_CLASSES.length, opts.noise, opts.shift, rng);
}
