/**
 * `slak table`: the merged table of a sweep folder. Reads DIR/plan.json and every run's state,
 * judges the spec's claims from paired differences over seeds, and writes DIR/results.jsonl (one
 * record per planned run, plan order), DIR/table.csv, DIR/table.md (table, then claims), for specs
 * with claims DIR/claims.csv, and for specs with a plot DIR/plot.svg and DIR/plot.png.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";
import { writeFileAtomic, writeTextAtomic } from "../util/fs.ts";
import { buildRows, type TableRow } from "./aggregate.ts";
import { renderClaimsCsv } from "./claims_format.ts";
import { collectRuns, type RunRecord } from "./collect.ts";
import { renderCsv, renderMarkdown, runJson } from "./format.ts";
import { layout } from "./layout.ts";
import type { Plan } from "./plan.ts";
import { readPlan } from "./plan_file.ts";
import { plotSvg, svgToPng, sweepPlot } from "./plot.ts";
import { type AblationSpec, builtinSpecNames, loadSpec } from "./spec.ts";
import type { Claim } from "./claims.ts";
import { type ClaimResult, judgeClaims } from "./verdicts.ts";

/** Generated files are not hand-formatted: keep `deno fmt --check` off them. */
const FMT_IGNORE = "<!-- deno-fmt-ignore-file -->\n";

/** Everything `slak table` produces. */
export interface SweepTable {
  plan: Plan;
  /** The spec judged: the saved definition, with the built-in claims when it predates claims. */
  spec: AblationSpec;
  runs: RunRecord[];
  rows: TableRow[];
  /** Verdicts of the spec's claims (empty when it has none). */
  claims: ClaimResult[];
  markdown: string;
  csv: string;
  /** The plot (specs with a plot and enough rows), else null. */
  svg: string | null;
  /** Files written (empty until {@link saveTables}). */
  files: string[];
}

/** Options of {@link buildTables}. */
export interface BuildTablesOptions {
  /**
   * Claims to judge when the saved plan predates claims (its definition has no `claims` field),
   * e.g. from {@link builtinClaimsFor}; ignored when the saved definition has its own.
   */
  claims?: readonly Claim[] | null;
}

/**
 * The claims of the built-in spec named like `plan`'s spec, for a plan saved before specs had
 * claims (null when the saved definition has a `claims` field or no built-in spec has the name).
 * Claims never change runs, so they apply to an older folder of the same spec as they are.
 */
export async function builtinClaimsFor(plan: Plan): Promise<Claim[] | null> {
  if ((plan.definition as Partial<AblationSpec>).claims !== undefined) return null;
  if (!builtinSpecNames().includes(plan.spec)) return null;
  return (await loadSpec(plan.spec)).spec.claims;
}

/** Builds the table of `dir`, reading only (nothing is written, no lock is taken). */
export function buildTables(dir: string, opts: BuildTablesOptions = {}): SweepTable {
  const plan = readPlan(dir);
  if (!plan) {
    throw new UserError(
      `${dir} has no plan.json: not a sweep folder (create one with slak ablate NAME --out ${dir})`,
    );
  }
  const saved = plan.definition as AblationSpec;
  const spec: AblationSpec = saved.claims === undefined && opts.claims
    ? { ...saved, claims: [...opts.claims] }
    : saved;
  const runs = collectRuns(dir, plan);
  const rows = buildRows(spec, plan, runs);
  const claims = judgeClaims(spec, plan, runs, rows);
  const markdown = renderMarkdown(spec, plan, rows, runs, claims);
  const csv = renderCsv(spec, plan, rows);
  const figure = sweepPlot(spec, plan, rows);
  const svg = figure ? plotSvg(figure) : null;
  return { plan, spec, runs, rows, claims, markdown, csv, svg: svg || null, files: [] };
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
  if (t.claims.length) {
    await writeTextAtomic(layout.claimsCsv(dir), renderClaimsCsv(t.claims));
    files.push(layout.claimsCsv(dir));
  }
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
  const plan = readPlan(dir);
  const t = buildTables(dir, { claims: plan ? await builtinClaimsFor(plan) : null });
  await saveTables(dir, t);
  return t;
}
