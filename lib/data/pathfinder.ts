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
import { type ContourCtx, growContour, ObstacleGrid } from "./pathfinder_contour.ts";
import { PATHFINDER_GEOMETRY, type Point } from "./pathfinder_geometry.ts";
import { renderPathfinder } from "./pathfinder_render.ts";

/** Bumped whenever the generator's output changes (part of cache file names). */
export const PATHFINDER_VERSION = 1;

/** Pathfinder difficulty (length of the long contours). */
export type Difficulty = "easy" | "intermediate" | "hard";

/** Dashes per long contour for each difficulty (LRA: 6 / 9 / 14). */
export const CONTOUR_LENGTH: Record<Difficulty, number> = { easy: 6, intermediate: 9, hard: 14 };

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
    const ctx: ContourCtx = { size, u, grid, rng };
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
    const pixels = renderPathfinder(size, contours, markers);
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
