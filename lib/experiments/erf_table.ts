/**
 * The results of an ERF sweep: one row per configuration (the runs that differ only in the seed)
 * with n and the mean ± sample standard deviation over seeds of each area ratio r(t), t = 0.2 /
 * 0.3 / 0.5 / 0.99 (lib/analysis/erf.ts); the comparison figure (each row's ERF map averaged over
 * its seeds, one panel per row, titled by the row's labels); written as DIR/erf.md, DIR/erf.csv
 * and DIR/erf.png (atomically).
 *
 * @module
 */
import { join } from "node:path";
import { ERF_THRESHOLDS } from "../analysis/erf.ts";
import { logScaled } from "../analysis/erf.ts";
import { type ComparePanel, comparePng } from "../analysis/heatmap_png.ts";
import { readNpy, toFloat32 } from "../io/mod.ts";
import { writeFileAtomic, writeTextAtomic } from "../util/fs.ts";
import { type Stat, stat } from "./aggregate.ts";
import { erfPaths, readRunErf } from "./erf_run.ts";
import type { Plan, PlannedRun } from "./plan.ts";

/** One row of the ERF table. */
export interface ErfRow {
  /** Level label per axis. */
  labels: Record<string, string>;
  /** The labels joined by " / " (the figure's panel title). */
  title: string;
  /** Planned seeds. */
  planned: number;
  /** Runs with a measured ERF. */
  n: number;
  /** Threshold ("0.2", ...) → mean ± sd over the measured seeds (null when none). */
  ratios: Record<string, Stat | null>;
  /** Run ids with a measured ERF (seed order). */
  measured: string[];
}

/** Groups the plan's runs by configuration (labels without the seed), in plan order. */
function configurations(plan: Plan): PlannedRun[][] {
  const groups = new Map<string, PlannedRun[]>();
  for (const r of plan.runs) {
    const key = JSON.stringify(plan.axes.map((a) => r.labels[a]));
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()];
}

/** The rows of an ERF sweep folder (reads each run's erf.json; runs without one are not counted). */
export function erfRows(dir: string, plan: Plan): ErfRow[] {
  return configurations(plan).map((runs) => {
    const recs = runs.map((r) => ({ id: r.id, rec: readRunErf(dir, r.id) }))
      .filter((x) => x.rec !== null);
    const ratios: Record<string, Stat | null> = {};
    for (const t of ERF_THRESHOLDS) {
      ratios[String(t)] = stat(recs.map((x) => x.rec!.areaRatio[String(t)]!));
    }
    const labels = runs[0]!.labels;
    return {
      labels,
      title: plan.axes.map((a) => labels[a]).join(" / "),
      planned: runs.length,
      n: recs.length,
      ratios,
      measured: recs.map((x) => x.id),
    };
  });
}

/** "0.0257 ± 0.0012", "0.0257" (one seed) or "–" (none). */
export function formatRatio(s: Stat | null): string {
  if (s === null) return "–";
  return s.std === null ? s.mean.toFixed(4) : `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}`;
}

/** The table as rows of cells, header first. */
export function erfCells(plan: Plan, rows: readonly ErfRow[]): string[][] {
  const head = [...plan.axes, "n", ...ERF_THRESHOLDS.map((t) => `r(${t})`)];
  return [
    head,
    ...rows.map((r) => [
      ...plan.axes.map((a) => r.labels[a] ?? ""),
      `${r.n}/${r.planned}`,
      ...ERF_THRESHOLDS.map((t) => formatRatio(r.ratios[String(t)] ?? null)),
    ]),
  ];
}

/** The Markdown of the table, with a line saying what r(t) is and what ± means. */
export function erfMarkdown(plan: Plan, rows: readonly ErfRow[]): string {
  const cells = erfCells(plan, rows);
  const line = (c: string[]) => `| ${c.join(" | ")} |`;
  return [
    `# ${plan.title} (${plan.scale}): ERF area ratios`,
    "",
    "r(t): area of the smallest centred square holding more than t of the log10(x + 1)-scaled " +
    "ERF, as a fraction of the image; mean ± sample sd over seeds, n = measured/planned seeds.",
    "",
    line(cells[0]!),
    `|${cells[0]!.map(() => "---").join("|")}|`,
    ...cells.slice(1).map(line),
    "",
  ].join("\n");
}

/** The CSV of the table: labels, n, planned, and mean and sd per threshold (empty when none). */
export function erfCsv(plan: Plan, rows: readonly ErfRow[]): string {
  const head = [
    ...plan.axes,
    "n",
    "planned",
    ...ERF_THRESHOLDS.flatMap((t) => [`r${t}_mean`, `r${t}_sd`]),
  ];
  const num = (v: number | null | undefined) => (v === null || v === undefined ? "" : String(v));
  const lines = rows.map((r) =>
    [
      ...plan.axes.map((a) => r.labels[a] ?? ""),
      String(r.n),
      String(r.planned),
      ...ERF_THRESHOLDS.flatMap((t) => {
        const s = r.ratios[String(t)] ?? null;
        return [num(s?.mean), num(s?.std)];
      }),
    ].join(",")
  );
  return [head.join(","), ...lines].join("\n") + "\n";
}

/** Reads a run's erf.npy as [h, w] and its data; null when absent or not 2-D. */
function readMap(dir: string, id: string): { map: Float32Array; h: number; w: number } | null {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(erfPaths.npy(dir, id));
  } catch {
    return null;
  }
  const t = readNpy(bytes, erfPaths.npy(dir, id));
  if (t.shape.length !== 2) return null;
  const [h, w] = t.shape as [number, number];
  return { map: toFloat32(t), h, w };
}

/**
 * The figure's panels: per row with a measured ERF, the mean of its seeds' maps (those of the
 * first seed's size), log-scaled, titled by the row's labels, with the mean area ratios.
 */
export function erfPanels(dir: string, rows: readonly ErfRow[]): ComparePanel[] {
  const panels: ComparePanel[] = [];
  for (const r of rows) {
    const maps = r.measured.map((id) => readMap(dir, id)).filter((m) => m !== null);
    if (maps.length === 0) continue;
    const { h, w } = maps[0]!;
    const same = maps.filter((m) => m.h === h && m.w === w);
    const mean = new Float32Array(h * w);
    for (const m of same) for (let p = 0; p < mean.length; p++) mean[p] = mean[p]! + m.map[p]!;
    for (let p = 0; p < mean.length; p++) mean[p] = mean[p]! / same.length;
    const areaRatio: Record<string, number> = {};
    for (const t of ERF_THRESHOLDS) areaRatio[String(t)] = r.ratios[String(t)]?.mean ?? 0;
    panels.push({ title: r.title, scaled: logScaled(mean), h, w, areaRatio });
  }
  return panels;
}

/** File names of an ERF sweep's results in the sweep folder. */
export const ERF_TABLE_FILES = { md: "erf.md", csv: "erf.csv", png: "erf.png" } as const;

/**
 * Writes DIR/erf.md, DIR/erf.csv and (when a run was measured) DIR/erf.png, atomically; returns
 * the rows, the Markdown and the files written.
 */
export async function writeErfTables(
  dir: string,
  plan: Plan,
): Promise<{ rows: ErfRow[]; markdown: string; files: string[] }> {
  const rows = erfRows(dir, plan);
  const markdown = erfMarkdown(plan, rows);
  const files = [join(dir, ERF_TABLE_FILES.md), join(dir, ERF_TABLE_FILES.csv)];
  await writeTextAtomic(files[0]!, "<!-- deno-fmt-ignore-file -->\n" + markdown);
  await writeTextAtomic(files[1]!, erfCsv(plan, rows));
  const panels = erfPanels(dir, rows);
  if (panels.length > 0) {
    const png = join(dir, ERF_TABLE_FILES.png);
    await writeFileAtomic(png, comparePng(panels));
    files.push(png);
  }
  return { rows, markdown, files };
}
