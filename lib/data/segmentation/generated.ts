/**
 * `seg_shapes`: a generated segmentation data set. Each square canvas holds 1–3 large shapes (a
 * disc, a square or an equilateral triangle, each inscribed in a circle of radius 15–30 % of the
 * side, at a random rotation and position, never overlapping) on a background of uniform pixel
 * noise. In the `filled` style every shape of an image is filled with the same texture (stripes
 * of one random period, angle and phase), so the texture says "shape" and only the outline says
 * which; in the `outline` style each shape is only a bright stroke along its edge and its inside
 * is the same noise as the background, so interior pixels must be labelled from context. Labels:
 * 0 background, 1 disc, 2 square, 3 triangle, per pixel centre (no ignored pixels).
 *
 * Images are gray, stored as 3 equal RGB channels so the RGB pipelines and normalization apply.
 * Every image follows from (seed, split, index) alone, through its own {@link Rng} stream, so
 * access is random and reproducible; a 256 px canvas takes on the order of a millisecond.
 *
 * @module
 */
import { Rng } from "../../util/rng.ts";
import type { Split } from "../types.ts";
import type { SegPair } from "./types.ts";

/** Bumped whenever the generator's output changes. */
export const SEG_SHAPES_VERSION = 1;

/** Class names (index = label). */
export const SEG_SHAPES_CLASSES = ["background", "disc", "square", "triangle"] as const;

/** Drawing styles. */
export const SEG_SHAPES_STYLES = ["filled", "outline"] as const;

/** A drawing style. */
export type SegShapesStyle = typeof SEG_SHAPES_STYLES[number];

/** Smallest and largest canvas side. */
export const SEG_SHAPES_SIZE_RANGE: readonly [number, number] = [64, 256];

/** Options of {@link generateSegShapes}. */
export interface SegShapesOptions {
  /** Canvas side in pixels, 64..256. */
  size: number;
  /** Filled with a shared texture, or outlines only. */
  style: SegShapesStyle;
}

/** One drawn shape (for tests and inspection). */
export interface DrawnShape {
  /** Class index (1 disc, 2 square, 3 triangle). */
  label: number;
  /** Centre x in pixels. */
  cx: number;
  /** Centre y in pixels (down). */
  cy: number;
  /** Radius of the circumscribed circle in pixels. */
  radius: number;
  /** Rotation in radians. */
  angle: number;
}

/** The stripe texture of the `filled` style: `0.5 + 0.4 sin(kx·x + ky·y + phase)` at pixel centres. */
export interface StripeTexture {
  /** Angular frequency along x (radians per pixel). */
  kx: number;
  /** Angular frequency along y (radians per pixel). */
  ky: number;
  /** Phase in radians. */
  phase: number;
}

/** A generated canvas: the pair and what was drawn. */
export interface SegShapesImage extends SegPair {
  /** The shapes, in drawing order. */
  shapes: DrawnShape[];
  /** The texture shared by the shapes (drawn in both styles, used by `filled`). */
  texture: StripeTexture;
}

const RADIUS_SHARE: readonly [number, number] = [0.15, 0.3];
const NOISE: readonly [number, number] = [0.15, 0.65];
const STROKE_LEVEL = 0.95;
const GAP_PX = 2;
const PLACE_TRIES = 20;

/**
 * Distance from (x, y) to the edge of `shape`, positive inside and negative (or any
 * non-positive value) outside; exact inside, which is what stroke widths use.
 */
export function insideDistance(shape: DrawnShape, x: number, y: number): number {
  const dx = x - shape.cx;
  const dy = y - shape.cy;
  const r = shape.radius;
  switch (shape.label) {
    case 1:
      return r - Math.hypot(dx, dy);
    case 2: {
      const c = Math.cos(shape.angle);
      const s = Math.sin(shape.angle);
      const u = Math.abs(c * dx + s * dy);
      const v = Math.abs(-s * dx + c * dy);
      const half = r / Math.SQRT2;
      return Math.min(half - u, half - v);
    }
    case 3: {
      let d = Infinity;
      for (let k = 0; k < 3; k++) {
        const a = shape.angle + (2 * Math.PI * k) / 3;
        d = Math.min(d, r / 2 - (Math.cos(a) * dx + Math.sin(a) * dy));
      }
      return d;
    }
    default:
      throw new RangeError(`insideDistance: label ${shape.label} is not 1, 2 or 3`);
  }
}

function placeShapes(size: number, rng: Rng): DrawnShape[] {
  const n = 1 + rng.int(3);
  const shapes: DrawnShape[] = [];
  for (let i = 0; i < n; i++) {
    const label = 1 + rng.int(3);
    const radius = size * (RADIUS_SHARE[0] + (RADIUS_SHARE[1] - RADIUS_SHARE[0]) * rng.uniform());
    const angle = 2 * Math.PI * rng.uniform();
    for (let t = 0; t < PLACE_TRIES; t++) {
      const cx = radius + (size - 2 * radius) * rng.uniform();
      const cy = radius + (size - 2 * radius) * rng.uniform();
      const clear = shapes.every((o) =>
        Math.hypot(o.cx - cx, o.cy - cy) >= o.radius + radius + GAP_PX
      );
      if (clear) {
        shapes.push({ label, cx, cy, radius, angle });
        break;
      }
    }
  }
  return shapes;
}

/**
 * Draws one canvas from `rng`.
 * @example
 * ```ts
 * import { Rng } from "../../util/rng.ts";
 * const img = generateSegShapes({ size: 64, style: "outline" }, Rng.stream(0, "x"));
 * if (img.label.data.length !== 64 * 64 || img.shapes.length < 1) throw new Error("bad canvas");
 * ```
 */
export function generateSegShapes(opts: SegShapesOptions, rng: Rng): SegShapesImage {
  const size = opts.size;
  if (
    !Number.isInteger(size) || size < SEG_SHAPES_SIZE_RANGE[0] || size > SEG_SHAPES_SIZE_RANGE[1]
  ) {
    throw new RangeError(`generateSegShapes: size ${size} is not an integer in [64, 256]`);
  }
  const shapes = placeShapes(size, rng);
  const stroke = Math.max(2, size / 64);
  const period = 5 + 5 * rng.uniform();
  const phi = Math.PI * rng.uniform();
  const phase = 2 * Math.PI * rng.uniform();
  const kx = (2 * Math.PI * Math.cos(phi)) / period;
  const ky = (2 * Math.PI * Math.sin(phi)) / period;
  const label = new Uint8Array(size * size);
  const data = new Uint8Array(size * size * 3);
  const filled = opts.style === "filled";
  for (let y = 0; y < size; y++) {
    const py = y + 0.5;
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      let v = NOISE[0] + (NOISE[1] - NOISE[0]) * rng.uniform();
      for (const s of shapes) {
        if (Math.abs(px - s.cx) > s.radius || Math.abs(py - s.cy) > s.radius) continue;
        const d = insideDistance(s, px, py);
        if (d < 0) continue;
        label[y * size + x] = s.label;
        if (filled) v = 0.5 + 0.4 * Math.sin(kx * px + ky * py + phase);
        else if (d < stroke) v = STROKE_LEVEL;
        break;
      }
      const b = Math.round(v * 255);
      const o = (y * size + x) * 3;
      data[o] = b;
      data[o + 1] = b;
      data[o + 2] = b;
    }
  }
  return {
    image: { width: size, height: size, channels: 3, data },
    label: { width: size, height: size, data: label },
    shapes,
    texture: { kx, ky, phase },
  };
}

/** Options of {@link segShapesSet}. */
export interface SegShapesSetOptions extends SegShapesOptions {
  /** Root seed. */
  seed: number;
  /** Number of canvases per split. */
  sizes: Readonly<Record<Split, number>>;
}

/** A generated data set: random access to canvases by split and index. */
export interface SegShapesSet {
  /** e.g. `"seg_shapes-outline-128"`. */
  readonly name: string;
  /** The options it was made with. */
  readonly options: Readonly<SegShapesSetOptions>;
  /** Number of canvases in `split`. */
  size(split: Split): number;
  /** Canvas `index` of `split` (regenerated on each call; same result every time). */
  pair(split: Split, index: number): SegShapesImage;
}

/**
 * The set of canvases `(seed, split, index)`; each one has its own random stream, so canvases do
 * not depend on which others were generated.
 * @example
 * ```ts
 * const set = segShapesSet({ size: 64, style: "filled", seed: 1, sizes: { train: 4, test: 2 } });
 * if (set.pair("test", 1).label.data.join() !== set.pair("test", 1).label.data.join()) {
 *   throw new Error("canvases must be reproducible");
 * }
 * ```
 */
export function segShapesSet(opts: SegShapesSetOptions): SegShapesSet {
  return {
    name: `seg_shapes-${opts.style}-${opts.size}`,
    options: opts,
    size: (split) => opts.sizes[split],
    pair: (split, index) => {
      if (!Number.isInteger(index) || index < 0 || index >= opts.sizes[split]) {
        throw new RangeError(
          `seg_shapes ${split}: index ${index} not in [0, ${opts.sizes[split]})`,
        );
      }
      return generateSegShapes(opts, Rng.stream(opts.seed, `seg_shapes/${split}/${index}`));
    },
  };
}
