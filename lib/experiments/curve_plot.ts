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

/** The curve plot (null when no row has an evaluation step). */
export function curvePlot(spec: AblationSpec, plan: Plan, curve: SweepCurve): PlotFigure | null {
  const k = spec.metric === "top5" ? 5 : 1;
  const names = levelNames(spec);
  delete names.dataset; // panels are titled by label, as in plot.svg
  const points: PlotRow[] = curve.rows.flatMap((r) =>
    r.points.map((p) => ({
      labels: { ...r.labels, [STEP]: String(p.step) },
      metric: { mean: p.mean, std: p.sd, n: p.n },
    }))
  );
  const panel = plan.axes.includes("dataset") ? "dataset" : null;
  return plotFigure(points, {
    x: STEP,
    series: plan.axes.find((a) => a !== panel) ?? STEP,
    panel,
    title: `${spec.title} (${plan.scale}): over training`,
    xLabel: "training step (optimizer steps)",
    yLabel: spec.metric === "miou" ? "mIoU (%)" : `${k === 5 ? "top-5" : "top-1"} accuracy (%)`,
    k,
    names,
    chanceOf: chanceOfPlan(spec, plan),
  });
}
