/**
 * A line plot of the metric against one axis (numeric labels, e.g. the paper's kernel size), one
 * series per level of another axis, with ± sample-std error bars: hand-written SVG, and PNG
 * rendered from it with resvg when the native module loads (null otherwise).
 *
 * @module
 */
import type { TableRow } from "./aggregate.ts";

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

function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function niceStep(span: number): number {
  const raw = span / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** Options of {@link plotSvg}. */
export interface PlotOptions {
  /** Axis on the x axis (its labels must be numbers). */
  x: string;
  /** Axis whose levels are the series (other axes besides `x` that vary split series too). */
  series: string;
  title: string;
  xLabel: string;
  yLabel: string;
}

/** The SVG text, or null when no row has a value. */
export function plotSvg(rows: readonly TableRow[], opts: PlotOptions): string | null {
  const pts = rows.filter((r) => r.metric && Number.isFinite(Number(r.labels[opts.x])));
  if (pts.length === 0) return null;
  const W = 720, H = 440, L = 70, R = 190, T = 44, B = 56;
  const xs = [...new Set(pts.map((r) => Number(r.labels[opts.x])))].sort((a, b) => a - b);
  const lo = pts.map((r) => r.metric!.mean - (r.metric!.std ?? 0));
  const hi = pts.map((r) => r.metric!.mean + (r.metric!.std ?? 0));
  let y0 = Math.min(...lo), y1 = Math.max(...hi);
  if (y1 - y0 < 1) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const step = niceStep(y1 - y0);
  y0 = Math.floor(y0 / step) * step;
  y1 = Math.ceil(y1 / step) * step;
  const x0 = xs[0]!, x1 = xs[xs.length - 1]!;
  const px = (x: number) => L + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - R / 2 + L / 2}" y="24" text-anchor="middle" font-size="15">${
      esc(opts.title)
    }</text>`,
  ];
  for (let y = y0; y <= y1 + step / 2; y += step) {
    const v = Number(y.toFixed(6));
    out.push(
      `<line x1="${L}" x2="${W - R}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`,
      `<text x="${L - 8}" y="${py(v) + 4}" text-anchor="end">${
        Number.isInteger(v) ? v : v.toFixed(1)
      }</text>`,
    );
  }
  for (const x of xs) {
    out.push(
      `<line x1="${px(x)}" x2="${px(x)}" y1="${H - B}" y2="${H - B + 5}" stroke="#333"/>`,
      `<text x="${px(x)}" y="${H - B + 20}" text-anchor="middle">${x}</text>`,
    );
  }
  out.push(
    `<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>`,
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 14}" text-anchor="middle">${esc(opts.xLabel)}</text>`,
    `<text transform="translate(20 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${
      esc(opts.yLabel)
    }</text>`,
  );
  const keys = Object.keys(pts[0]!.labels).filter((k) =>
    k !== opts.x && (k === opts.series || new Set(pts.map((r) => r.labels[k])).size > 1)
  );
  const seriesOf = (r: TableRow) => keys.map((k) => r.labels[k]).join(" · ");
  const seriesNames = [...new Set(pts.map(seriesOf))];
  seriesNames.forEach((name, i) => {
    const color = COLORS[i % COLORS.length]!;
    const s = pts.filter((r) => seriesOf(r) === name)
      .sort((a, b) => Number(a.labels[opts.x]) - Number(b.labels[opts.x]));
    const path = s.map((r, j) =>
      `${j ? "L" : "M"}${px(Number(r.labels[opts.x])).toFixed(1)},${py(r.metric!.mean).toFixed(1)}`
    ).join(" ");
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const r of s) {
      const cx = px(Number(r.labels[opts.x]));
      const m = r.metric!;
      if (m.std !== null && m.std > 0) {
        out.push(
          `<line x1="${cx}" x2="${cx}" y1="${py(m.mean - m.std)}" y2="${
            py(m.mean + m.std)
          }" stroke="${color}"/>`,
        );
      }
      out.push(`<circle cx="${cx}" cy="${py(m.mean)}" r="3.5" fill="${color}"/>`);
    }
    const ly = T + 10 + i * 22;
    out.push(
      `<line x1="${W - R + 16}" x2="${W - R + 40}" y1="${ly}" y2="${ly}" stroke="${color}" ` +
        `stroke-width="2"/>`,
      `<text x="${W - R + 46}" y="${ly + 4}">${esc(name)}</text>`,
    );
  });
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
