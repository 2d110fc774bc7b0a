/**
 * Tile plan of the "staged" WebGPU programs: how many outputs each invocation keeps in registers
 * (R, a sliding window along the long axis A), how many A tiles, B rows and channels one
 * workgroup covers, and how many filter rows along B it stages per step, chosen so that the
 * workgroup-memory tile (input rows × (TA + KA − 1) × channels, plus the filter slice) fits the
 * device's workgroup storage limit.
 *
 * @module
 */
import { type AxisView, axisView, type DepthwiseGeometry, nextPow2 } from "./geometry.ts";

/** Workgroup storage every WebGPU device guarantees (bytes). */
export const MIN_WORKGROUP_STORAGE = 16384;

/** Invocations per workgroup every WebGPU device guarantees. */
export const MAX_WORKGROUP_INVOCATIONS = 256;

/** Tile plan of one staged program (all counts > 0). */
export interface StagedPlan {
  /** Outputs per invocation along A (register sliding window). */
  r: number;
  /** Invocations along A per workgroup (TA = r · nt outputs). */
  nt: number;
  /** Output rows along B per workgroup. */
  tb: number;
  /** Filter rows along B staged per step (steps = ceil(KB / fb)). */
  fb: number;
  /** Channels per workgroup (one scalar channel per invocation). */
  cw: number;
}

/** Outputs along A of one workgroup. */
export function tileA(p: StagedPlan): number {
  return p.r * p.nt;
}

/** Staged input rows along B per step (tb + fb − 1). */
export function stagedRows(p: StagedPlan): number {
  return p.tb + p.fb - 1;
}

/** Floats of workgroup memory a plan needs: the input tile plus the filter slice. */
export function stagedFloats(p: StagedPlan, v: AxisView): number {
  const cols = tileA(p) + v.kA - 1;
  return (stagedRows(p) * cols + p.fb * v.kA) * p.cw;
}

/** Invocations per workgroup of a plan. */
export function planInvocations(p: StagedPlan): number {
  return p.cw * p.nt * p.tb;
}

/**
 * Picks the plan for `g` under `storageBytes` of workgroup memory: R = 8 (4 on lines shorter
 * than 16), A tiles covering the line (at most 8), channels up to 32 (a full warp of lanes
 * reading consecutive workgroup-memory banks; fewer when C is small or memory is short),
 * then as many B rows and staged filter rows as fit (preferring the whole filter height, so the
 * tile is staged once). Shrinks channels, then A tiles, when even one row does not fit.
 */
export function planStaged(
  g: DepthwiseGeometry,
  storageBytes = MIN_WORKGROUP_STORAGE,
  overrides: Partial<StagedPlan> = {},
): StagedPlan {
  const v = axisView(g);
  const floats = Math.floor(storageBytes / 4);
  const r = overrides.r ?? (v.lenA < 16 ? 4 : 8);
  let nt = overrides.nt ?? Math.min(8, Math.ceil(v.lenA / r));
  let cw = overrides.cw ?? Math.min(32, nextPow2(g.c));
  const fits = (p: StagedPlan) =>
    stagedFloats(p, v) <= floats && planInvocations(p) <= MAX_WORKGROUP_INVOCATIONS;
  // Shrink channels, then A tiles, until one B row with one filter row fits.
  while (!fits({ r, nt, tb: 1, fb: 1, cw })) {
    if (cw > 1 && overrides.cw === undefined) cw >>= 1;
    else if (nt > 1 && overrides.nt === undefined) nt >>= 1;
    else {
      throw new Error(
        `staged depthwise: no tile fits ${storageBytes} bytes of workgroup memory for ` +
          `kernel ${g.kh}x${g.kw}`,
      );
    }
  }
  const maxTb = Math.min(8, v.lenB);
  let best: StagedPlan = { r, nt, tb: 1, fb: 1, cw };
  let bestScore = -1;
  for (let tb = 1; tb <= maxTb; tb++) {
    if (overrides.tb !== undefined && tb !== overrides.tb) continue;
    for (let fb = 1; fb <= v.kB; fb++) {
      if (overrides.fb !== undefined && fb !== overrides.fb) continue;
      const p = { r, nt, tb, fb, cw };
      if (!fits(p)) continue;
      // Outputs per workgroup, then fewer staging steps, then fewer reloaded rows.
      const steps = Math.ceil(v.kB / fb);
      const score = tb * 1e6 - steps * 1e3 - stagedRows(p) * steps;
      if (score > bestScore) {
        best = p;
        bestScore = score;
      }
    }
  }
  return best;
}
