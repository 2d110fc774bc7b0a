/**
 * The accuracy plot of a sweep: the metric against one axis (numeric labels, e.g. the paper's
 * kernel size), one panel per dataset, one series per level of another axis (named in the legend
 * by the level's `name`, else its `note`, else its label), ± 1 sample-sd error bars over seeds
 * (the legend says so, with n), and a dashed chance line per panel (100 % / classes, from the
 * runs' data kind). Built in two steps: {@link sweepPlot} describes the figure (typed, testable),
 * {@link plotSvg} draws it as hand-written SVG; {@link svgToPng} renders PNG with resvg when the
 * native module loads (null otherwise).
 *
 * @module
 */
import type { TableRow } from "./aggregate.ts";
import { classCountOf, type ClassCountSource } from "./chance.ts";
import type { Plan } from "./plan.ts";
import type { AblationSpec } from "./spec.ts";

const COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** One point: the mean of the metric over seeds, its sample sd (null when n < 2) and n. */
export interface PlotPoint {
  x: number;
  mean: number;
  sd: number | null;
  n: number;
}

/** One series of a panel. */
export interface PlotSeries {
  /** The series' labels joined by " · " (stable across panels). */
  key: string;
  /** Legend text: the levels' names spelled out. */
  name: string;
  color: string;
  /** Points sorted by x. */
  points: PlotPoint[];
}

/** One panel (one dataset). */
export interface PlotPanel {
  /** The panel's dataset label ("" when the sweep has no dataset axis). */
  label: string;
  title: string;
  /** Chance level of the metric (%), null when the data's class count is not known. */
  chance: number | null;
  /** Classes behind `chance`. */
  classes: number | null;
  series: PlotSeries[];
  /** y axis range and tick step. */
  y: { min: number; max: number; step: number };
}

/** The whole figure. */
export interface PlotFigure {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Every x value, sorted. */
  xs: number[];
  panels: PlotPanel[];
  /** One entry per series (same colour in every panel). */
  legend: { key: string; name: string; color: string }[];
  /** What the error bars are, e.g. "error bars: ± 1 sample sd over seeds, n = 3". */
  errorBars: string;
  /** The chance line's legend text; null when no panel has one. */
  chance: string | null;
}

/** Options of {@link plotFigure}. */
export interface PlotOptions {
  /** Axis on the x axis (its labels must be numbers). */
  x: string;
  /** Axis whose levels are the series (other varying axes besides x and panel split series too). */
  series: string;
  /** Axis with one panel per level (null: one panel). */
  panel: string | null;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Top-k of the metric (chance = k / classes). */
  k: number;
  /** Legend name of a level: axis → label → name. */
  names: Record<string, Record<string, string>>;
  /** Chance level (%) and classes of the runs with these labels (null: unknown). */
  chanceOf: (labels: Record<string, string>) => { percent: number; classes: number } | null;
}

function niceStep(span: number): number {
  const raw = span / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function yRange(values: number[]): { min: number; max: number; step: number } {
  let y0 = Math.min(...values), y1 = Math.max(...values);
  if (y1 - y0 < 1) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const step = niceStep(y1 - y0);
  return { min: Math.floor(y0 / step) * step, max: Math.ceil(y1 / step) * step, step };
}

/** "n = 3", "n = 2–3". */
function nText(ns: number[]): string {
  const lo = Math.min(...ns), hi = Math.max(...ns);
  return lo === hi ? `n = ${lo}` : `n = ${lo}–${hi}`;
}

/** The legend line saying what the error bars are (and which points have none). */
export function errorBarText(points: readonly PlotPoint[]): string {
  const withSd = points.filter((p) => p.sd !== null).map((p) => p.n);
  if (withSd.length === 0) {
    return `no error bars: one seed per point (${nText(points.map((p) => p.n))})`;
  }
  const single = points.some((p) => p.sd === null);
  return `error bars: ± 1 sample sd over seeds, ${nText(withSd)}` +
    (single ? "; points with n = 1 have none" : "");
}

/** What {@link plotFigure} reads of a row: its labels and its metric over seeds. */
export type PlotRow = Pick<TableRow, "labels" | "metric">;

/** Describes the plot of `rows` (null when no row has a value at a numeric x). */
export function plotFigure(rows: readonly PlotRow[], opts: PlotOptions): PlotFigure | null {
  const pts = rows.filter((r) => r.metric && Number.isFinite(Number(r.labels[opts.x])));
  if (pts.length === 0) return null;
  const xs = [...new Set(pts.map((r) => Number(r.labels[opts.x])))].sort((a, b) => a - b);
  const keys = Object.keys(pts[0]!.labels).filter((k) =>
    k !== opts.x && k !== opts.panel &&
    (k === opts.series || new Set(pts.map((r) => r.labels[k])).size > 1)
  );
  const keyOf = (r: PlotRow) => keys.map((k) => r.labels[k]).join(" · ");
  const nameOf = (r: PlotRow) =>
    keys.map((k) => opts.names[k]?.[r.labels[k]!] ?? r.labels[k]).join(" · ");
  const legend: PlotFigure["legend"] = [];
  for (const r of pts) {
    const key = keyOf(r);
    if (legend.some((l) => l.key === key)) continue;
    legend.push({ key, name: nameOf(r), color: COLORS[legend.length % COLORS.length]! });
  }
  const panelLabels = opts.panel === null
    ? [""]
    : [...new Set(pts.map((r) => r.labels[opts.panel!]!))];
  const panels = panelLabels.map((label): PlotPanel => {
    const mine = pts.filter((r) => opts.panel === null || r.labels[opts.panel] === label);
    const chance = opts.chanceOf(mine[0]!.labels);
    const series = legend.flatMap((l) => {
      const points = mine.filter((r) => keyOf(r) === l.key).map((r) => ({
        x: Number(r.labels[opts.x]),
        mean: r.metric!.mean,
        sd: r.metric!.std,
        n: r.metric!.n,
      })).sort((a, b) => a.x - b.x);
      return points.length ? [{ key: l.key, name: l.name, color: l.color, points }] : [];
    });
    const all = series.flatMap((s) => s.points);
    const values = [
      ...all.map((p) => p.mean - (p.sd ?? 0)),
      ...all.map((p) => p.mean + (p.sd ?? 0)),
      ...(chance ? [chance.percent] : []),
    ];
    const y = yRange(values);
    // Keep the chance line off the x axis: one more step below it when it sits on the bottom.
    if (chance && chance.percent - y.min < y.step / 4) y.min -= y.step;
    const named = opts.panel === null ? "" : opts.names[opts.panel]?.[label] ?? label;
    return {
      label,
      title: named,
      chance: chance?.percent ?? null,
      classes: chance?.classes ?? null,
      series,
      y,
    };
  });
  const withChance = panels.some((p) => p.chance !== null);
  return {
    title: opts.title,
    xLabel: opts.xLabel,
    yLabel: opts.yLabel,
    xs,
    panels,
    legend,
    errorBars: errorBarText(panels.flatMap((p) => p.series.flatMap((s) => s.points))),
    chance: withChance ? `chance = ${opts.k === 1 ? "1" : opts.k} / classes (dashed)` : null,
  };
}

/** The display name of each level of each axis of `spec`: its `name`, else `note`, else label. */
export function levelNames(spec: AblationSpec): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const a of spec.axes) {
    out[a.name] = Object.fromEntries(a.levels.map((l) => [l.label, l.name ?? l.note ?? l.label]));
  }
  return out;
}

/** The plot of a sweep's table (null when the spec has no plot or no row has a value). */
export function sweepPlot(
  spec: AblationSpec,
  plan: Plan,
  rows: readonly TableRow[],
): PlotFigure | null {
  if (!spec.plot) return null;
  const k = spec.metric === "top5" ? 5 : 1;
  const names = levelNames(spec);
  // Panels are titled by label (short); the dataset's own name/note stays in the table.
  delete names.dataset;
  return plotFigure(rows, {
    x: spec.plot.x,
    series: spec.plot.series,
    panel: plan.axes.includes("dataset") ? "dataset" : null,
    title: `${spec.title} (${plan.scale})`,
    xLabel: spec.plot.xLabel ?? spec.plot.x,
    yLabel: spec.metric === "miou" ? "mIoU (%)" : `${k === 5 ? "top-5" : "top-1"} accuracy (%)`,
    k,
    names,
    chanceOf: chanceOfPlan(spec, plan),
  });
}

/**
 * The chance level (%) and class count of the runs of `plan` with given labels (labels the plan
 * does not have are ignored), from their data kind; null for mIoU or an unknown class count.
 */
export function chanceOfPlan(spec: AblationSpec, plan: Plan): PlotOptions["chanceOf"] {
  const k = spec.metric === "top5" ? 5 : 1;
  return (labels) => {
    if (spec.metric === "miou") return null; // no chance level for mIoU
    const run = plan.runs.find((r) =>
      Object.entries(r.labels).every(([a, v]) => labels[a] === undefined || labels[a] === v)
    );
    const data = run?.config.data as ClassCountSource | undefined;
    const classes = data ? classCountOf(data) : null;
    return classes === null ? null : { percent: Math.min(1, k / classes) * 100, classes };
  };
}

function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function fmtTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Draws one panel at horizontal offset `ox`. */
function panelSvg(
  fig: PlotFigure,
  p: PlotPanel,
  ox: number,
  box: { w: number; top: number; h: number },
): string[] {
  const L = ox + 56, R = ox + box.w - 12, T = box.top, B = box.top + box.h;
  const x0 = fig.xs[0]!, x1 = fig.xs[fig.xs.length - 1]!;
  const px = (x: number) => L + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (R - L);
  const py = (y: number) => T + (1 - (y - p.y.min) / (p.y.max - p.y.min)) * (B - T);
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<g data-role="panel" data-panel="${esc(p.label)}">`,
    `<text data-role="panel-title" x="${f((L + R) / 2)}" y="${T - 10}" text-anchor="middle" ` +
    `font-size="14">${esc(p.title)}</text>`,
  ];
  for (let y = p.y.min; y <= p.y.max + p.y.step / 2; y += p.y.step) {
    const v = Number(y.toFixed(6));
    out.push(
      `<line x1="${L}" x2="${R}" y1="${f(py(v))}" y2="${f(py(v))}" stroke="#e4e4e4"/>`,
      `<text x="${L - 6}" y="${f(py(v) + 4)}" text-anchor="end">${fmtTick(v)}</text>`,
    );
  }
  // Many x values (e.g. evaluation steps): a tick at each, a number at every `every`-th.
  const every = Math.ceil(fig.xs.length / 8);
  fig.xs.forEach((x, i) => {
    out.push(`<line x1="${f(px(x))}" x2="${f(px(x))}" y1="${B}" y2="${B + 5}" stroke="#333"/>`);
    if (i % every === 0) {
      out.push(`<text x="${f(px(x))}" y="${B + 19}" text-anchor="middle">${x}</text>`);
    }
  });
  out.push(
    `<line x1="${L}" x2="${R}" y1="${B}" y2="${B}" stroke="#333"/>`,
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${B}" stroke="#333"/>`,
  );
  if (p.chance !== null) {
    const y = f(py(p.chance));
    out.push(
      `<line data-role="chance" data-value="${p.chance}" x1="${L}" x2="${R}" y1="${y}" ` +
        `y2="${y}" stroke="#555" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      `<text x="${R - 4}" y="${f(py(p.chance) - 5)}" text-anchor="end" fill="#555" ` +
        `font-size="11">chance ${Number(p.chance.toFixed(2))} % (${p.classes} classes)</text>`,
    );
  }
  for (const s of p.series) {
    const path = s.points.map((q, j) => `${j ? "L" : "M"}${f(px(q.x))},${f(py(q.mean))}`)
      .join(" ");
    out.push(
      `<path data-role="series" data-series="${esc(s.key)}" d="${path}" fill="none" ` +
        `stroke="${s.color}" stroke-width="2"/>`,
    );
    for (const q of s.points) {
      const cx = f(px(q.x));
      if (q.sd !== null) {
        const lo = f(py(q.mean - q.sd)), hi = f(py(q.mean + q.sd));
        const a = f(px(q.x) - 4), b = f(px(q.x) + 4);
        out.push(
          `<g data-role="error-bar" data-series="${esc(s.key)}" data-x="${q.x}" ` +
            `data-sd="${q.sd}" data-n="${q.n}" stroke="${s.color}">` +
            `<line x1="${cx}" x2="${cx}" y1="${lo}" y2="${hi}"/>` +
            `<line x1="${a}" x2="${b}" y1="${lo}" y2="${lo}"/>` +
            `<line x1="${a}" x2="${b}" y1="${hi}" y2="${hi}"/></g>`,
        );
      }
      out.push(`<circle cx="${cx}" cy="${f(py(q.mean))}" r="3.5" fill="${s.color}"/>`);
    }
  }
  out.push("</g>");
  return out;
}

/** The SVG text of a figure: panels side by side, the legend below them. */
export function plotSvg(fig: PlotFigure): string {
  const PW = 340, top = 64, ph = 280, below = 48, line = 20;
  const legendLines = fig.legend.length + (fig.chance ? 1 : 0) + 1;
  const W = Math.max(PW * fig.panels.length + 20, 520);
  const H = top + ph + below + legendLines * line + 16;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text data-role="title" x="${W / 2}" y="22" text-anchor="middle" font-size="15">${
      esc(fig.title)
    }</text>`,
  ];
  fig.panels.forEach((p, i) => {
    out.push(...panelSvg(fig, p, 10 + i * PW, { w: PW, top, h: ph }));
  });
  const axisY = top + ph + 38;
  out.push(
    `<text x="${W / 2}" y="${axisY}" text-anchor="middle">${esc(fig.xLabel)}</text>`,
    `<text transform="translate(16 ${top + ph / 2}) rotate(-90)" text-anchor="middle">${
      esc(fig.yLabel)
    }</text>`,
  );
  let y = top + ph + below + 8;
  const x = 40;
  for (const l of fig.legend) {
    out.push(
      `<g data-role="legend-entry" data-series="${esc(l.key)}">` +
        `<line x1="${x}" x2="${
          x + 26
        }" y1="${y}" y2="${y}" stroke="${l.color}" stroke-width="2"/>` +
        `<circle cx="${x + 13}" cy="${y}" r="3.5" fill="${l.color}"/>` +
        `<text x="${x + 34}" y="${y + 4}">${esc(l.name)}</text></g>`,
    );
    y += line;
  }
  if (fig.chance) {
    out.push(
      `<g data-role="legend-chance"><line x1="${x}" x2="${x + 26}" y1="${y}" y2="${y}" ` +
        `stroke="#555" stroke-width="1.5" stroke-dasharray="6 4"/>` +
        `<text x="${x + 34}" y="${y + 4}">${esc(fig.chance)}</text></g>`,
    );
    y += line;
  }
  out.push(
    `<g data-role="legend-error-bars"><line x1="${x + 13}" x2="${x + 13}" y1="${y - 6}" ` +
      `y2="${y + 6}" stroke="#333"/><text x="${x + 34}" y="${y + 4}">${
        esc(fig.errorBars)
      }</text></g>`,
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** Renders SVG to PNG with resvg (system fonts); null when the native module cannot load. */
export async function svgToPng(svg: string): Promise<Uint8Array | null> {
  try {
    const { Resvg } = await import("@resvg/resvg-js");
    const r = new Resvg(svg, {
      background: "white",
      fitTo: { mode: "zoom", value: 2 },
      font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    });
    return new Uint8Array(r.render().asPng());
  } catch {
    return null;
  }
}
