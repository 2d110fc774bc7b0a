// The sweep plot a reader can trust: one panel per dataset, a dashed chance line at 100 % / classes
// (classes from the data kind), ± sd error bars that the legend names with n, and the series named
// by the levels' names spelled out (not their short labels).
import assert from "node:assert/strict";
import type { TableRow } from "../../lib/experiments/aggregate.ts";
import { classCountOf } from "../../lib/experiments/chance.ts";
import { expandPlan, parseSpec } from "../../lib/experiments/mod.ts";
import { errorBarText, plotSvg, sweepPlot } from "../../lib/experiments/plot.ts";
import { trainResolver } from "./_helpers.ts";

const spec = parseSpec({
  name: "p",
  title: "P",
  axes: [
    { name: "dataset", levels: [{ label: "pathfinder" }, { label: "shapes" }] },
    {
      name: "recipe",
      levels: [
        { label: "naive", name: "naive large kernel", set: { "model.overrides.bn": false } },
        { label: "decomp", note: "decomposed M×N + N×M", set: { "model.overrides.bn": true } },
      ],
    },
    { name: "kernel", levels: [{ label: 7 }, { label: 31 }] },
  ],
  plot: { x: "kernel", series: "recipe" },
  scales: {
    smoke: {
      seeds: 3,
      base: { model: { name: "slak_nano" }, data: { kind: "shapes", size: 32, trainSize: 8 } },
      levels: {
        dataset: { pathfinder: { data: { kind: "pathfinder", size: 32, trainSize: 8 } } },
        kernel: {
          "7": { "model.overrides.kernelSizes": [3, 3, 3, 3] },
          "31": { "model.overrides.kernelSizes": [5, 5, 3, 3] },
        },
      },
    },
  },
}, "inline");
const plan = expandPlan(spec, "smoke", { resolve: trainResolver });

/** One table row per configuration with mean 40 + i and sd 1.5 (null when n = 1). */
function rows(n: number): TableRow[] {
  const seen = new Map<string, Record<string, string>>();
  for (const r of plan.runs) seen.set(JSON.stringify(r.labels), r.labels);
  return [...seen.values()].map((labels, i) =>
    ({ labels, metric: { mean: 40 + i, std: n > 1 ? 1.5 : null, n } }) as unknown as TableRow
  );
}

function count(svg: string, role: string): number {
  return svg.split(`data-role="${role}"`).length - 1;
}

Deno.test("classCountOf(): the class count of each data kind, null when only the files know", () => {
  assert.equal(classCountOf({ kind: "pathfinder" }), 2);
  assert.equal(classCountOf({ kind: "shapes" }), 8);
  assert.equal(classCountOf({ kind: "fashion_mnist" }), 10);
  assert.equal(classCountOf({ kind: "cifar", variant: 100 }), 100);
  assert.equal(classCountOf({ kind: "imagefolder" }), null);
});

Deno.test("sweepPlot(): one panel per dataset with its chance level; names spelled out", () => {
  const fig = sweepPlot(spec, plan, rows(3))!;
  assert.deepEqual(fig.panels.map((p) => [p.title, p.chance, p.classes]), [
    ["pathfinder", 50, 2],
    ["shapes", 12.5, 8],
  ]);
  assert.deepEqual(fig.legend.map((l) => l.name), ["naive large kernel", "decomposed M×N + N×M"]);
  assert.equal(fig.errorBars, "error bars: ± 1 sample sd over seeds, n = 3");
  assert.match(fig.chance!, /chance = 1 \/ classes/);
  for (const p of fig.panels) {
    assert.equal(p.series.length, 2);
    assert.ok(p.y.min <= p.chance!, `${p.title}: the chance line is inside the y range`);
  }
});

Deno.test("plotSvg(): draws the chance lines, the error bars and a legend that names both", () => {
  const svg = plotSvg(sweepPlot(spec, plan, rows(3))!);
  assert.equal(count(svg, "panel"), 2);
  assert.equal(count(svg, "chance"), 2);
  assert.match(svg, /data-role="chance" data-value="50"/);
  assert.match(svg, /data-role="chance" data-value="12.5"/);
  assert.match(svg, /stroke-dasharray/);
  assert.equal(count(svg, "error-bar"), 8); // 2 panels × 2 series × 2 kernels
  assert.match(svg, /data-role="error-bar"[^>]*data-sd="1.5" data-n="3"/);
  assert.match(svg, /data-role="legend-error-bars".*± 1 sample sd over seeds, n = 3/);
  assert.match(svg, /data-role="legend-chance".*chance = 1 \/ classes/);
  assert.match(svg, /<text[^>]*>naive large kernel<\/text>/);
  assert.match(svg, /<text[^>]*>decomposed M×N \+ N×M<\/text>/);
  assert.doesNotMatch(svg, />decomp</);
  assert.match(svg, /data-role="panel-title"[^>]*>pathfinder</);
  assert.match(svg, /data-role="panel-title"[^>]*>shapes</);
});

Deno.test("one seed: no error bars, and the legend says so", () => {
  const svg = plotSvg(sweepPlot(spec, plan, rows(1))!);
  assert.equal(count(svg, "error-bar"), 0);
  assert.match(svg, /no error bars: one seed per point \(n = 1\)/);
  assert.equal(
    errorBarText([{ x: 1, mean: 1, sd: 0.5, n: 3 }, { x: 2, mean: 1, sd: null, n: 1 }]),
    "error bars: ± 1 sample sd over seeds, n = 3; points with n = 1 have none",
  );
});
