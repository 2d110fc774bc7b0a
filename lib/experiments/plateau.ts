/**
 * Where a training curve levels off: the first evaluation after which the metric never rose by
 * more than a threshold (percentage points) above its value there, up to the last evaluation.
 * The last evaluation always qualifies trivially, so a curve whose only qualifying point is its
 * last one is "still rising".
 *
 * @module
 */

/** Default threshold of {@link plateauOf}, in percentage points. */
export const DEFAULT_PLATEAU_PP = 1;

/** The plateau of a curve. */
export interface Plateau {
  /**
   * `plateau`: found at `step`; `still rising`: only the last evaluation qualifies; `too few
   * evaluations`: fewer than 2 points.
   */
  status: "plateau" | "still rising" | "too few evaluations";
  /** Step of the plateau (null unless `plateau`). */
  step: number | null;
  /**
   * Largest later value minus the value at `step` (pp; ≤ the threshold, negative when the curve
   * only fell afterwards); null unless `plateau`.
   */
  rise: number | null;
  /** Step of the last evaluation (null without points). */
  lastStep: number | null;
  /** The threshold used (pp). */
  thresholdPp: number;
}

/**
 * The plateau of the curve `points` (sorted by step; values in percent) at threshold
 * `thresholdPp`: the earliest point i with max over j > i of (value_j − value_i) ≤ thresholdPp.
 * @example
 * ```ts
 * plateauOf([{ step: 1, mean: 10 }, { step: 2, mean: 30 }, { step: 3, mean: 30.5 }], 1);
 * // { status: "plateau", step: 2, rise: 0.5, lastStep: 3, thresholdPp: 1 }
 * ```
 */
export function plateauOf(
  points: readonly { step: number; mean: number }[],
  thresholdPp: number = DEFAULT_PLATEAU_PP,
): Plateau {
  const lastStep = points.length ? points[points.length - 1]!.step : null;
  if (points.length < 2) {
    return { status: "too few evaluations", step: null, rise: null, lastStep, thresholdPp };
  }
  // Running maximum of the values after i, from the end.
  let laterMax = points[points.length - 1]!.mean;
  let found: { step: number; rise: number } | null = null;
  for (let i = points.length - 2; i >= 0; i--) {
    const rise = laterMax - points[i]!.mean;
    if (rise <= thresholdPp) found = { step: points[i]!.step, rise };
    laterMax = Math.max(laterMax, points[i]!.mean);
  }
  return found
    ? { status: "plateau", step: found.step, rise: found.rise, lastStep, thresholdPp }
    : { status: "still rising", step: null, rise: null, lastStep, thresholdPp };
}
