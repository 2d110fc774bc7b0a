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

/**
 * T of the paper's runs: 120 ImageNet-1K epochs at an effective batch of 4096 (312 steps per
 * epoch), the run length the paper's update intervals u (100, 1000, 2000) are counted in.
 */
export const PAPER_TOTAL_STEPS = 37440;

/**
 * The smallest topology-update interval a rescaled run may use: 10 optimizer steps.
 *
 * Why a floor: a weight grown at an update starts at zero, and the next update prunes the
 * `pruneRate` fraction of each layer's active weights with the smallest magnitude. To survive it
 * (to be explored at all rather than removed at once) it must outgrow that threshold in the u
 * steps in between. An AdamW step moves a weight by at most about lr (|m̂/√v̂| ≲ 1), while the
 * kept weights are of the init scale σ = 0.02 (truncated normal); the p-quantile of |N(0, σ)| is
 * 0.67σ for p = 0.5 and 0.39σ for p = 0.3. At the proxies' peak lr 2e-3 that takes at least
 * 0.67·0.02 / 0.002 ≈ 7 steps with a perfectly consistent gradient sign, more during warmup and
 * the cosine tail. 10 steps (= 1/(1 − β1), the time constant of AdamW's first moment with the
 * default β1 = 0.9) allow a movement of up to one σ. In the paper, u = 100 at lr 4e-3 allows up
 * to 0.4 = 20σ; u′ = 1 (what keeping the number of updates gives for u = 100 at 378 steps)
 * allows 0.1σ, so every random regrowth would be pruned again at the next step: churn, not the
 * exploration the paper's interval means.
 */
export const MIN_UPDATE_INTERVAL = 10;

/**
 * The topology-update interval for a run of `totalSteps` optimizer steps that stands for the
 * paper's interval `paperEvery` in a run of `paperSteps` (default {@link PAPER_TOTAL_STEPS}):
 * u′ = max(u_min, round(u·T′/T)). The rescaling keeps the number of updates per run; the floor
 * u_min ({@link MIN_UPDATE_INTERVAL}) keeps the number of steps a regrown weight gets before it
 * can be pruned again meaningful. So below T′ = u_min·T/u the floor wins and the run makes fewer
 * updates than the paper's (e.g. u = 100 needs T′ ≥ 3744 to keep its 374 updates); two paper
 * intervals whose u′ both hit the floor cannot be told apart at that scale.
 *
 * @param paperEvery the paper's u (optimizer steps, >= 1)
 * @param totalSteps T′, steps of the rescaled run (>= 1)
 * @param opts `paperSteps` T (default 37440), `min` u_min (default 10)
 * @returns u′; it can exceed `totalSteps` (then the run makes no update)
 * @example
 * ```ts
 * scaledUpdateInterval(2000, 378); // 20 (the 18.7 updates of the paper's run, rounded)
 * scaledUpdateInterval(100, 378); // 10 (not 1: the floor)
 * scaledUpdateInterval(100, 37440); // 100 (the paper's own run)
 * ```
 */
export function scaledUpdateInterval(
  paperEvery: number,
  totalSteps: number,
  opts: { paperSteps?: number; min?: number } = {},
): number {
  const paperSteps = opts.paperSteps ?? PAPER_TOTAL_STEPS;
  const min = opts.min ?? MIN_UPDATE_INTERVAL;
  for (const [name, v] of [["paperEvery", paperEvery], ["totalSteps", totalSteps]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) {
      throw new RangeError(`scaledUpdateInterval: ${name} must be an integer >= 1, got ${v}`);
    }
  }
  if (!(paperSteps > 0) || !(Number.isInteger(min) && min >= 1)) {
    throw new RangeError(`scaledUpdateInterval: paperSteps ${paperSteps} > 0, min ${min} >= 1`);
  }
  return Math.max(min, Math.round((paperEvery * totalSteps) / paperSteps));
}
