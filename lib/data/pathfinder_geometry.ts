/**
 * Pathfinder geometry: the drawing constants in units of `size / 32` pixels, points, and the
 * segment distances that both the contour generator and the renderer measure with.
 *
 * @module
 */

/** Geometry in units of `size / 32` pixels (angles in radians). */
export const PATHFINDER_GEOMETRY = {
  /** Distance between consecutive walk nodes. */
  step: 2.4,
  /** Centre-line length of the dash drawn on each step. */
  dash: 1.1,
  /** Stroke thickness. */
  thickness: 1.0,
  /** Marker disc radius. */
  markerRadius: 1.3,
  /** Minimum distance between steps of different contours (and far steps of one contour). */
  minSep: 3.0,
  /** Largest heading change per step. */
  maxTurn: Math.PI / 6,
  /** Nodes stay this far from the border. */
  border: 1.5,
} as const;

/** A point in pixel coordinates (x right, y down; pixel (i, j) has centre (i + 0.5, j + 0.5)). */
export interface Point {
  /** Horizontal coordinate, pixels to the right. */
  x: number;
  /** Vertical coordinate, pixels down. */
  y: number;
}

/** A segment (a point when both ends agree) that other strokes must keep clear of. */
export interface Obstacle {
  /** First end, x. */
  ax: number;
  /** First end, y. */
  ay: number;
  /** Second end, x. */
  bx: number;
  /** Second end, y. */
  by: number;
  /** Extra clearance (marker radius beyond the stroke). */
  extra: number;
  /** Index of the contour it belongs to. */
  contour: number;
  /** Step index within its contour (-1 for an end probe). */
  seg: number;
}

/** Squared distance from (px, py) to the segment `o`. */
export function pointSegDist2(px: number, py: number, o: Obstacle): number {
  const vx = o.bx - o.ax;
  const vy = o.by - o.ay;
  const l2 = vx * vx + vy * vy;
  let t = l2 > 0 ? ((px - o.ax) * vx + (py - o.ay) * vy) / l2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const dx = o.ax + t * vx - px;
  const dy = o.ay + t * vy - py;
  return dx * dx + dy * dy;
}

function cross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** Distance between two segments (0 when they cross). */
export function segSegDist(a: Obstacle, b: Obstacle): number {
  const d1 = cross(a.ax, a.ay, a.bx, a.by, b.ax, b.ay);
  const d2 = cross(a.ax, a.ay, a.bx, a.by, b.bx, b.by);
  const d3 = cross(b.ax, b.ay, b.bx, b.by, a.ax, a.ay);
  const d4 = cross(b.ax, b.ay, b.bx, b.by, a.bx, a.by);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    return 0;
  }
  return Math.sqrt(Math.min(
    pointSegDist2(a.ax, a.ay, b),
    pointSegDist2(a.bx, a.by, b),
    pointSegDist2(b.ax, b.ay, a),
    pointSegDist2(b.bx, b.by, a),
  ));
}
