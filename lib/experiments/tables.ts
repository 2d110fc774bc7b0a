/**
 * `slak table`: the merged table of a sweep folder. Reads DIR/plan.json and every run's state,
 * writes DIR/results.jsonl (one record per planned run, plan order), DIR/table.csv, DIR/table.md
 * and, for specs with a plot, DIR/plot.svg and DIR/plot.png.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";
import { writeFileAtomic, writeTextAtomic } from "../util/fs.ts";
import { buildRows, type TableRow } from "./aggregate.ts";
import { collectRuns, type RunRecord } from "./collect.ts";
import { renderCsv, renderMarkdown, runJson } from "./format.ts";
import { layout } from "./layout.ts";
import type { Plan } from "./plan.ts";
import { readPlan } from "./plan_file.ts";
import { plotSvg, svgToPng } from "./plot.ts";

/** Generated files are not hand-formatted: keep `deno fmt --check` off them. */
const FMT_IGNORE = "<!-- deno-fmt-ignore-file -->\n";

/** Everything `slak table` produces. */
export interface SweepTable {
  plan: Plan;
  runs: RunRecord[];
  rows: TableRow[];
  markdown: string;
  csv: string;
  /** The plot (specs with a plot and enough rows), else null. */
  svg: string | null;
  /** Files written (empty until {@link saveTables}). */
  files: string[];
}

/** Builds the table of `dir`, reading only (nothing is written, no lock is taken). */
export function buildTables(dir: string): SweepTable {
  const plan = readPlan(dir);
  if (!plan) {
    throw new UserError(
      `${dir} has no plan.json: not a sweep folder (create one with slak ablate NAME --out ${dir})`,
    );
  }
  const spec = plan.definition;
  const runs = collectRuns(dir, plan);
  const rows = buildRows(spec, plan, runs);
  const markdown = renderMarkdown(spec, plan, rows, runs);
  const csv = renderCsv(spec, plan, rows);
  const svg = spec.plot
    ? plotSvg(rows, {
      x: spec.plot.x,
      series: spec.plot.series,
      title: `${spec.title} (${plan.scale})`,
      xLabel: spec.plot.xLabel ?? spec.plot.x,
      yLabel: `${spec.metric === "top5" ? "top-5" : "top-1"} accuracy (%)`,
    })
    : null;
  return { plan, runs, rows, markdown, csv, svg: svg || null, files: [] };
}

/**
 * Writes the files of table `t` into `dir` (atomically) and records them in `t.files`. A full
 * disk or read-only folder throws an `EnvironmentError` naming the file.
 */
export async function saveTables(dir: string, t: SweepTable): Promise<string[]> {
  const files = [layout.resultsJsonl(dir), layout.tableCsv(dir), layout.tableMd(dir)];
  await writeTextAtomic(
    files[0]!,
    t.runs.map((r) => JSON.stringify(runJson(r))).join("\n") + "\n",
  );
  await writeTextAtomic(files[1]!, t.csv);
  await writeTextAtomic(files[2]!, FMT_IGNORE + t.markdown);
  if (t.svg) {
    await writeTextAtomic(layout.plotSvg(dir), FMT_IGNORE + t.svg);
    files.push(layout.plotSvg(dir));
    const png = await svgToPng(t.svg);
    if (png) {
      await writeFileAtomic(layout.plotPng(dir), png);
      files.push(layout.plotPng(dir));
    }
  }
  t.files = files;
  return files;
}

/** Builds the table of `dir` and writes its files (atomically). */
export async function writeTables(dir: string): Promise<SweepTable> {
  const t = buildTables(dir);
  await saveTables(dir, t);
  return t;
}
