/**
 * The Pathfinder path generator: contours grown as random walks of fixed-length steps that keep
 * their distance from every earlier stroke, looked up in a uniform grid of obstacles.
 *
 * @module
 */
import type { Rng } from "../util/rng.ts";
import {
  type Obstacle,
  PATHFINDER_GEOMETRY,
  type Point,
  segSegDist,
} from "./pathfinder_geometry.ts";

/** A uniform grid of obstacles for near-neighbour queries. */
export class ObstacleGrid {
  /** Side of one cell in pixels. */
  readonly cell: number;
  /** Cells per side. */
  readonly n: number;
  /** The obstacles touching each cell (row-major), with their clearance. */
  readonly cells: Obstacle[][];
  /** An empty grid over a `size`×`size` canvas with cells of side `cell`. */
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
  /** Adds `o` to every cell its box (grown by its clearance) touches. */
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

/** What growing a contour needs: the canvas, the unit, the obstacles so far and the stream. */
export interface ContourCtx {
  /** Canvas side in pixels. */
  size: number;
  /** Pixels per geometry unit (`size / 32`). */
  u: number;
  /** The strokes placed so far. */
  grid: ObstacleGrid;
  /** The image's random stream. */
  rng: Rng;
}

/** Grows one contour of `len` steps; commits it to the grid and returns its nodes, or null. */
export function growContour(
  ctx: ContourCtx,
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
