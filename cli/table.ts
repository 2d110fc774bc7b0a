/**
 * `slak table DIR`: merges a sweep folder (shard folders copied together are one folder) into
 * DIR/results.jsonl, DIR/table.csv, DIR/table.md (+ claims.csv for specs with claims, plot.svg/
 * plot.png for specs with a plot) and prints the table (with the claims' verdicts) as Markdown,
 * CSV or JSON. A folder that cannot be written (read-only, full
 * disk, no permission) still prints, with a warning instead of the files.
 *
 * @module
 */
import { Command } from "commander";
import {
  buildTables,
  builtinClaimsFor,
  readPlan,
  runJson,
  saveTables,
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
  try {
    await saveTables(dir, t);
    info(flags, `wrote ${t.files.join(", ")}`);
  } catch (e) {
    const env = describeFsError(e);
    if (env === null) throw e;
    console.error(`slak: warning: ${env.message}; table printed, files not written`);
  }
  return t;
}

/** The `table` subcommand. */
export function tableCommand() {
  return new Command("table")
    .description("merge a sweep folder's results into results.jsonl, table.csv and table.md")
    .argument("<dir>", "sweep folder (holds plan.json and runs/)")
    .option("--format <f>", `output format: ${FORMATS.join(" | ")}`, "md")
    .option("--quiet", "no progress lines")
    .action(async (dir, opts) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new UserError(`--format "${opts.format}": valid formats: ${choices(FORMATS)}`);
      }
      const t = await tableOf(dir, { quiet: opts.quiet });
      if (opts.format === "json") out(JSON.stringify(tableJson(t), null, 2));
      else if (opts.format === "csv") out(t.csv.trimEnd());
      else out(t.markdown.trimEnd());
    });
}
