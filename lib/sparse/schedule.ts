/**
 * When topology updates happen and with which prune rate (official `CosineDecay` and
 * `Masking.step` in sparse_core.py).
 *
 * Step convention (official): `step` counts optimizer steps completed, starting at 1 for the
 * first. `Masking.step()` runs the optimizer, applies the masks, advances the CosineDecay
 * (a wrapper around `CosineAnnealingLR`, whose value before any advance is p0) and increments its
 * counter; it then prunes and grows when `counter % u == 0`. So the update after optimizer step
 * `s` uses `pruneRate(s)`, never `pruneRate(0)` = p0; the first update (s = u) sees
 * `pruneRate(u)`.
 *
 * @module
 */

/** Official final prune rate (`CosineDecay(eta_min=0.005)`). */
export const FINAL_PRUNE_RATE = 0.005;

/** The prune-rate schedule of a run. */
export interface PruneRateSchedule {
  /** Initial prune rate p0 (official `--prune_rate`). */
  initial: number;
  /** T: optimizer steps of the whole run (steps per epoch × epochs). */
  totalSteps: number;
  /** Final rate (default 0.005). */
  final?: number;
}

/**
 * Cosine-decayed prune rate after `step` optimizer steps:
 * final + ½(initial − final)(1 + cos(π·step/T)). pruneRate(0) = p0, pruneRate(T) = final.
 * Like the official `CosineAnnealingLR`, the formula is not clamped: past T it would rise again
 * (period 2T); a run never gets there.
 *
 * @param step optimizer steps completed (>= 0)
 * @param schedule p0, T, final rate
 * @returns the prune rate an update after that step uses
 * @example
 * ```ts
 * pruneRate(0, { initial: 0.5, totalSteps: 100 }); // 0.5
 * pruneRate(100, { initial: 0.5, totalSteps: 100 }); // 0.005
 * ```
 */
export function pruneRate(step: number, schedule: PruneRateSchedule): number {
  const { initial, totalSteps } = schedule;
  const final = schedule.final ?? FINAL_PRUNE_RATE;
  if (!(totalSteps > 0)) {
    throw new RangeError(`pruneRate: totalSteps must be > 0, got ${totalSteps}`);
  }
  if (!(step >= 0)) throw new RangeError(`pruneRate: step must be >= 0, got ${step}`);
  return final + 0.5 * (initial - final) * (1 + Math.cos(Math.PI * step / totalSteps));
}

/**
 * Whether prune-and-grow runs after optimizer step `step` (1-based): every `every` steps
 * (official `steps % update_frequency == 0`), for 1 <= step <= totalSteps. The official code
 * does not skip the final steps: when T is a multiple of u, an update also runs after the very
 * last step. `every` null or 0 means a fixed mask (official `--fix`).
 *
 * One difference on resume: the official `Masking.steps` counter restarts at 0 when a run is
 * resumed (while the CosineDecay is fast-forwarded), shifting later updates; here `step` is the
 * global step, so a resumed run updates at the same steps as an uninterrupted one.
 *
 * @param step optimizer steps completed
 * @param every update frequency u (optimizer steps), or null/0 for none
 * @param totalSteps T, steps of the whole run
 */
export function isUpdateStep(step: number, every: number | null, totalSteps: number): boolean {
  if (every === null || every === 0) return false;
  if (!(Number.isInteger(every) && every > 0)) {
    throw new RangeError(`isUpdateStep: update frequency must be a positive integer, got ${every}`);
  }
  return Number.isInteger(step) && step >= 1 && step <= totalSteps && step % every === 0;
}

/** The optimizer steps (1-based) after which updates run, for logging and planning. */
export function updateSteps(every: number | null, totalSteps: number): number[] {
  const out: number[] = [];
  if (every === null || every === 0) return out;
  for (let s = every; s <= totalSteps; s += every) out.push(s);
  return out;
}
