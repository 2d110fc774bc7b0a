/**
 * The training-curve plot of a sweep (plot-curve.svg): the metric against the training step, one
 * line per row (configuration), ± 1 sample-sd error bars over seeds, one panel per dataset with
 * its dashed chance line. The figure is the accuracy plot's (plot.ts `plotFigure`/`plotSvg`) with
 * the evaluation step on the x axis.
 *
 * @module
 */
import type { SweepCurve } from "./curve.ts";
import type { Plan } from "./plan.ts";
import { chanceOfPlan, levelNames, type PlotFigure, plotFigure, type PlotRow } from "./plot.ts";
import type { AblationSpec } from "./spec.ts";

/** The label key of the step in the plotted rows (not an axis name: those are identifiers). */
const STEP = "training step";
/** The label key of a row's line when several axes vary within a panel. */
const ROW = "row";

/**
 * The legend text of a row: its level name when one axis varies within a panel, else
 * `axis=label` for every varying axis (names would be long and alike, e.g. two kernels of a budget).
 */
function rowName(
  labels: Readonly<Record<string, string>>,
  axes: readonly string[],
  names: Record<string, Record<string, string>>,
): string {
  if (axes.length === 1) return names[axes[0]!]?.[labels[axes[0]!]!] ?? labels[axes[0]!]!;
  return axes.map((a) => `${a}=${labels[a]}`).join(", ");
}

/** The curve plot (null when no row has an evaluation step). */
export function curvePlot(spec: AblationSpec, plan: Plan, curve: SweepCurve): PlotFigure | null {
  const k = spec.metric === "top5" ? 5 : 1;
  const names = levelNames(spec);
  delete names.dataset; // panels are titled by label, as in plot.svg
  const panel = plan.axes.includes("dataset") ? "dataset" : null;
  const lineAxes = plan.axes.filter((a) => a !== panel);
  const points: PlotRow[] = curve.rows.flatMap((r) =>
    r.points.map((p) => ({
      labels: {
        ...(panel === null ? {} : { [panel]: r.labels[panel]! }),
        [STEP]: String(p.step),
        [ROW]: rowName(r.labels, lineAxes, names),
      },
      metric: { mean: p.mean, std: p.sd, n: p.n },
    }))
  );
  return plotFigure(points, {
    x: STEP,
    series: lineAxes.length > 0 ? ROW : STEP,
    panel,
    title: `${spec.name} (${plan.scale}): ${
      spec.metric === "miou" ? "mIoU" : "accuracy"
    } over training`,
    xLabel: "training step (optimizer steps)",
    yLabel: spec.metric === "miou" ? "mIoU (%)" : `${k === 5 ? "top-5" : "top-1"} accuracy (%)`,
    k,
    names,
    chanceOf: chanceOfPlan(spec, plan),
  });
}
