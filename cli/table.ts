/**
 * `slak table DIR`: merges a sweep folder (shard folders copied together are one folder) into
 * DIR/results.jsonl, DIR/table.csv, DIR/table.md (+ claims.csv for specs with claims, plot.svg/
 * plot.png for specs with a plot) and prints the table (with the claims' verdicts) as Markdown,
 * CSV or JSON. With `--curve` it also writes the training curves (curve.md, curve.csv,
 * curve_claims.csv, plot-curve.svg: the metric at every evaluated step, each claim step by step,
 * each row's plateau) and prints them instead of the table. A folder that cannot be written
 * (read-only, full disk, no permission) still prints, with a warning instead of the files.
 *
 * @module
 */
import { Command } from "commander";
import {
  buildCurveFiles,
  buildTables,
  builtinClaimsFor,
  curveJson,
  type CurveOptions,
  DEFAULT_PLATEAU_PP,
  readPlan,
  runJson,
  saveCurve,
  saveTables,
  type SweepCurveFiles,
  type SweepTable,
} from "../lib/experiments/mod.ts";
import { choices, UserError } from "../lib/util/errors.ts";
import { describeFsError } from "../lib/util/fs.ts";
import { type CommonFlags, info, out } from "./_common.ts";

const FORMATS = ["md", "csv", "json"] as const;

/** `{"runs": [...], "rows": [...], "claims": [...]}` of a table. */
export function tableJson(t: SweepTable): { runs: unknown[]; rows: unknown[]; claims: unknown[] } {
  return { runs: t.runs.map(runJson), rows: t.rows, claims: t.claims };
}

/**
 * Builds the table of sweep folder `dir` and writes its files there; when the environment refuses
 * the writes (read-only folder, full disk, no permission) warns on stderr and returns the table
 * unwritten (`files` empty), so that it can still be printed.
 */
export async function tableOf(dir: string, flags: CommonFlags): Promise<SweepTable> {
  const plan = readPlan(dir);
  // A folder saved before specs had claims gets those of the built-in spec of the same name.
  const claims = plan ? await builtinClaimsFor(plan) : null;
  if (claims?.length) {
    info(flags, `claims from the built-in spec ${plan!.spec} (plan.json predates claims)`);
  }
  const t = buildTables(dir, { claims });
  await saveOrWarn(() => saveTables(dir, t), flags, "table");
  return t;
}

/** Writes `what` with `save`; a folder the environment refuses to write only gets a warning. */
async function saveOrWarn(
  save: () => Promise<string[]>,
  flags: CommonFlags,
  what: string,
): Promise<void> {
  try {
    info(flags, `wrote ${(await save()).join(", ")}`);
  } catch (e) {
    const env = describeFsError(e);
    if (env === null) throw e;
    console.error(`slak: warning: ${env.message}; ${what} printed, files not written`);
  }
}

/**
 * Builds the training curves of sweep folder `dir` (whose table is `t`) and writes their files
 * there (a folder that cannot be written only gets a warning).
 */
export async function curveOf(
  dir: string,
  t: SweepTable,
  opts: CurveOptions,
  flags: CommonFlags,
): Promise<SweepCurveFiles> {
  const c = buildCurveFiles(dir, t, opts);
  await saveOrWarn(() => saveCurve(dir, c), flags, "curve");
  return c;
}

/** Parses `--plateau-pp`: a finite number of percentage points ≥ 0. */
export function plateauPp(v: string): number {
  const n = v.trim() === "" ? NaN : Number(v);
  if (!Number.isFinite(n) || n < 0) {
    throw new UserError(
      `option '--plateau-pp' must be a number of percentage points >= 0, got "${v}"`,
    );
  }
  return n;
}

/** The `table` subcommand. */
export function tableCommand() {
  return new Command("table")
    .description("merge a sweep folder's results into results.jsonl, table.csv and table.md")
    .argument("<dir>", "sweep folder (holds plan.json and runs/)")
    .option("--format <f>", `output format: ${FORMATS.join(" | ")}`, "md")
    .option(
      "--curve",
      "also write curve.md, curve.csv, curve_claims.csv and plot-curve.svg (the metric at every " +
        "evaluated step, claims step by step, plateaus) and print the curve instead of the table",
    )
    .option(
      "--plateau-pp <P>",
      `with --curve: a row's plateau is the step after which it never rose more than P ` +
        `percentage points (default ${DEFAULT_PLATEAU_PP})`,
      plateauPp,
    )
    .option(
      "--recalibrated",
      "with --curve: BatchNorm models' points from the evaluation with recalibrated BN " +
        "statistics where recorded (reliable mid-training; the last step may differ from the table)",
    )
    .option("--quiet", "no progress lines")
    .action(async (dir, opts) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new UserError(`--format "${opts.format}": valid formats: ${choices(FORMATS)}`);
      }
      const curveOnly = { "--plateau-pp": opts.plateauPp, "--recalibrated": opts.recalibrated };
      for (const [flag, given] of Object.entries(curveOnly)) {
        if (given !== undefined && !opts.curve) {
          throw new UserError(`option '${flag}' applies only with --curve`);
        }
      }
      const flags = { quiet: opts.quiet };
      const t = await tableOf(dir, flags);
      if (opts.curve) {
        const c = await curveOf(dir, t, {
          plateauPp: opts.plateauPp ?? DEFAULT_PLATEAU_PP,
          figure: opts.recalibrated ? "recalibrated" : "model",
        }, flags);
        if (opts.format === "json") out(JSON.stringify(curveJson(t.plan, c.curve), null, 2));
        else if (opts.format === "csv") out(c.csv.trimEnd());
        else out(c.markdown.trimEnd());
        return;
      }
      if (opts.format === "json") out(JSON.stringify(tableJson(t), null, 2));
      else if (opts.format === "csv") out(t.csv.trimEnd());
      else out(t.markdown.trimEnd());
    });
}
