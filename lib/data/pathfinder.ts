/**
 * A deterministic Pathfinder generator (Linsley et al. 2018, as used by Long Range Arena): two
 * long dashed contours, short distractor contours, and two circular markers; the label says
 * whether the markers sit on the two ends of the same contour (1) or on ends of the two
 * different long contours (0). Every image contains both long contours, so counting strokes
 * does not give the answer.
 *
 * Contours are random walks of fixed-length steps whose heading turns by at most
 * {@link PATHFINDER_GEOMETRY}.maxTurn per step. A step is rejected when it would leave the
 * canvas or come closer than `minSep` to any other contour or to its own non-neighbouring
 * steps; the ends of the long contours (where markers go) get extra clearance for the marker
 * radius. Separate contours never touch, so a negative cannot be joined by accident. Each step draws one dash (a round-capped, anti-aliased segment) centred on it.
 * Geometry is given in units of `size / 32` pixels, so the three sizes show the same task at
 * different resolutions. Contour lengths follow the LRA difficulties (6 / 9 / 14 dashes);
 * distractors have a third of that length and number `30 / length` (the snakes2 defaults).
 *
 * @module
 */
import { Rng } from "../util/rng.ts";

/** Bumped whenever the generator's output changes (part of cache file names). */
export const PATHFINDER_VERSION = 1;

/** Pathfinder difficulty (length of the long contours). */
export type Difficulty = "easy" | "intermediate" | "hard";

/** Dashes per long contour for each difficulty (LRA: 6 / 9 / 14). */
export const CONTOUR_LENGTH: Record<Difficulty, number> = { easy: 6, intermediate: 9, hard: 14 };

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
  x: number;
  y: number;
}

/** A generated image and the geometry it was drawn from. */
export interface PathfinderImage {
  /** `size * size` gray bytes. */
  pixels: Uint8Array;
  /** 1 when the markers are on the same contour. */
  label: 0 | 1;
  /** Marker centres. */
  markers: [Point, Point];
  /** Walk nodes of every contour: the two long ones first, then the distractors. */
  contours: Point[][];
}

interface Obstacle {
  ax: number;
  ay: number;
  bx: number;
  by: number;
  /** Extra clearance (marker radius beyond the stroke). */
  extra: number;
  contour: number;
  seg: number;
}

function pointSegDist2(px: number, py: number, o: Obstacle): number {
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
function segSegDist(a: Obstacle, b: Obstacle): number {
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

/** A uniform grid of obstacles for near-neighbour queries. */
class ObstacleGrid {
  readonly cell: number;
  readonly n: number;
  readonly cells: Obstacle[][];
  constructor(size: number, cell: number) {
    this.cell = cell;
    this.n = Math.max(1, Math.ceil(size / cell));
    this.cells = Array.from({ length: this.n * this.n }, () => []);
  }
  #range(lo: number, hi: number): [number, number] {
    const a = Math.max(0, Math.floor(lo / this.cell));
    const b = Math.min(this.n - 1, Math.floor(hi / this.cell));
    return [a, b];
  }
  add(o: Obstacle): void {
    const r = o.extra;
    const [x0, x1] = this.#range(Math.min(o.ax, o.bx) - r, Math.max(o.ax, o.bx) + r);
    const [y0, y1] = this.#range(Math.min(o.ay, o.by) - r, Math.max(o.ay, o.by) + r);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) this.cells[y * this.n + x]!.push(o);
    }
  }
  /** True when `o` keeps `sep` (+ both extras) from every obstacle in the grid. */
  clear(o: Obstacle, sep: number): boolean {
    const reach = sep + o.extra + PATHFINDER_GEOMETRY.markerRadius;
    const [x0, x1] = this.#range(Math.min(o.ax, o.bx) - reach, Math.max(o.ax, o.bx) + reach);
    const [y0, y1] = this.#range(Math.min(o.ay, o.by) - reach, Math.max(o.ay, o.by) + reach);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        for (const other of this.cells[y * this.n + x]!) {
          if (segSegDist(o, other) < sep + o.extra + other.extra) return false;
        }
      }
    }
    return true;
  }
}

interface Ctx {
  size: number;
  u: number;
  grid: ObstacleGrid;
  rng: Rng;
}

/** Grows one contour of `len` steps; commits it to the grid and returns its nodes, or null. */
function growContour(
  ctx: Ctx,
  len: number,
  id: number,
  opts: { starts: number; endExtra: number },
): Point[] | null {
  const g = PATHFINDER_GEOMETRY;
  const { u, size, rng, grid } = ctx;
  const step = g.step * u;
  const sep = g.minSep * u;
  const lo = g.border * u;
  const hi = size - g.border * u;
  for (let s = 0; s < opts.starts; s++) {
    const nodes: Point[] = [{
      x: lo + rng.uniform() * (hi - lo),
      y: lo + rng.uniform() * (hi - lo),
    }];
    const probe: Obstacle = {
      ax: nodes[0]!.x,
      ay: nodes[0]!.y,
      bx: nodes[0]!.x,
      by: nodes[0]!.y,
      extra: opts.endExtra,
      contour: id,
      seg: -1,
    };
    if (!grid.clear(probe, sep)) continue;
    let heading = rng.uniform() * 2 * Math.PI;
    const segs: Obstacle[] = [];
    for (let k = 0; k < len; k++) {
      const last = nodes[nodes.length - 1]!;
      let placed = false;
      for (let t = 0; t < 10 && !placed; t++) {
        const h = heading + (2 * rng.uniform() - 1) * g.maxTurn;
        const x = last.x + step * Math.cos(h);
        const y = last.y + step * Math.sin(h);
        if (x < lo || x > hi || y < lo || y > hi) continue;
        const seg: Obstacle = {
          ax: last.x,
          ay: last.y,
          bx: x,
          by: y,
          extra: 0,
          contour: id,
          seg: k,
        };
        if (!grid.clear(seg, sep)) continue;
        let selfOk = true;
        for (let j = 0; j < k - 2 && selfOk; j++) selfOk = segSegDist(seg, segs[j]!) >= sep;
        if (!selfOk) continue;
        segs.push(seg);
        nodes.push({ x, y });
        heading = h;
        placed = true;
      }
      if (!placed) break;
    }
    if (segs.length < len) continue;
    const end = nodes[len]!;
    const endProbe: Obstacle = { ...probe, ax: end.x, ay: end.y, bx: end.x, by: end.y };
    if (opts.endExtra > 0 && !grid.clear(endProbe, sep)) continue;
    for (const o of segs) grid.add(o);
    if (opts.endExtra > 0) {
      grid.add(probe);
      grid.add(endProbe);
    }
    return nodes;
  }
  return null;
}

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
 * Draws one Pathfinder image of `size`×`size` with the given label from `rng`.
 * @example
 * ```ts
 * import { Rng } from "../util/rng.ts";
 * const im = generatePathfinder(32, "easy", 1, Rng.stream(0, "pf"));
 * if (im.pixels.length !== 32 * 32) throw new Error("bad size");
 * ```
 */
export function generatePathfinder(
  size: number,
  difficulty: Difficulty,
  label: 0 | 1,
  rng: Rng,
): PathfinderImage {
  const g = PATHFINDER_GEOMETRY;
  const u = size / 32;
  const len = CONTOUR_LENGTH[difficulty];
  const distLen = Math.max(1, Math.round(len / 3));
  const distCount = Math.round(30 / distLen);
  for (;;) {
    const grid = new ObstacleGrid(size, (g.step + g.minSep) * u);
    const ctx: Ctx = { size, u, grid, rng };
    // The long contours' ends carry marker-sized clearance, so no marker ever comes close to
    // another contour (whichever ends get the markers).
    const main = { starts: 50, endExtra: (g.markerRadius - g.thickness / 2) * u };
    const a = growContour(ctx, len, 0, main);
    const b = a && growContour(ctx, len, 1, main);
    if (a === null || b === null) continue;
    const flipA = rng.uniform() < 0.5;
    const endsA: [Point, Point] = flipA ? [a[len]!, a[0]!] : [a[0]!, a[len]!];
    const other = rng.uniform() < 0.5 ? b[0]! : b[len]!;
    const markers: [Point, Point] = label === 1 ? endsA : [endsA[0], other];
    const contours: Point[][] = [a, b];
    for (let i = 0; i < distCount; i++) {
      const d = growContour(ctx, distLen, 2 + i, { starts: 20, endExtra: 0 });
      if (d !== null) contours.push(d);
    }
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
    return { pixels, label, markers, contours };
  }
}

/**
 * Image `index` of a Pathfinder split: its own generator stream, so any image can be made alone;
 * labels alternate (even index negative, odd positive), so every split is balanced.
 */
export function pathfinderSample(
  opts: { size: number; difficulty: Difficulty; seed: number; split: string },
  index: number,
): PathfinderImage {
  const rng = Rng.stream(
    opts.seed,
    `pathfinder/${opts.size}/${opts.difficulty}/${opts.split}/${index}`,
  );
  return generatePathfinder(opts.size, opts.difficulty, (index % 2) as 0 | 1, rng);
}
