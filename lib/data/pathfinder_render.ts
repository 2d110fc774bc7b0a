/**
 * The Pathfinder renderer: anti-aliased, round-capped dashes along the contours and marker discs,
 * max-blended into a gray image.
 *
 * @module
 */
import {
  type Obstacle,
  PATHFINDER_GEOMETRY,
  type Point,
  pointSegDist2,
} from "./pathfinder_geometry.ts";

function drawDash(img: Float32Array, size: number, a: Point, b: Point, u: number): void {
  const g = PATHFINDER_GEOMETRY;
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  const f0 = (len - g.dash * u) / (2 * len);
  const f1 = 1 - f0;
  const seg: Obstacle = {
    ax: a.x + f0 * (b.x - a.x),
    ay: a.y + f0 * (b.y - a.y),
    bx: a.x + f1 * (b.x - a.x),
    by: a.y + f1 * (b.y - a.y),
    extra: 0,
    contour: 0,
    seg: 0,
  };
  stamp(img, size, seg, (g.thickness * u) / 2);
}

/** Max-blends an anti-aliased capsule of radius `r` around `seg` (coverage ≈ r + 0.5 − distance). */
function stamp(img: Float32Array, size: number, seg: Obstacle, r: number): void {
  const x0 = Math.max(0, Math.floor(Math.min(seg.ax, seg.bx) - r - 1));
  const x1 = Math.min(size - 1, Math.ceil(Math.max(seg.ax, seg.bx) + r + 1));
  const y0 = Math.max(0, Math.floor(Math.min(seg.ay, seg.by) - r - 1));
  const y1 = Math.min(size - 1, Math.ceil(Math.max(seg.ay, seg.by) + r + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.sqrt(pointSegDist2(x + 0.5, y + 0.5, seg));
      const c = r + 0.5 - d;
      if (c <= 0) continue;
      const v = c >= 1 ? 1 : c;
      const i = y * size + x;
      if (v > img[i]!) img[i] = v;
    }
  }
}

/**
 * Renders contours (one dash per step) and marker discs into `size * size` gray bytes; strokes
 * max-blend, so crossings do not brighten.
 */
export function renderPathfinder(
  size: number,
  contours: readonly (readonly Point[])[],
  markers: readonly Point[],
): Uint8Array {
  const g = PATHFINDER_GEOMETRY;
  const u = size / 32;
  const img = new Float32Array(size * size);
  for (const c of contours) {
    for (let k = 0; k + 1 < c.length; k++) drawDash(img, size, c[k]!, c[k + 1]!, u);
  }
  for (const m of markers) {
    const disc: Obstacle = { ax: m.x, ay: m.y, bx: m.x, by: m.y, extra: 0, contour: 0, seg: 0 };
    stamp(img, size, disc, g.markerRadius * u);
  }
  const pixels = new Uint8Array(size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(img[i]! * 255);
  return pixels;
}
