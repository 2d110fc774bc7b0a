/**
 * `slak table DIR`: merges a sweep folder (shard folders copied together are one folder) into
 * DIR/results.jsonl, DIR/table.csv, DIR/table.md (+ plot.svg/plot.png for specs with a plot) and
 * prints the table as Markdown, CSV or JSON.
 *
 * @module
 */
import { Command } from "commander";
import { runJson, type SweepTable, writeTables } from "../lib/experiments/mod.ts";
import { choices, UserError } from "../lib/util/errors.ts";
import { info, out } from "./_common.ts";

const FORMATS = ["md", "csv", "json"] as const;

/** `{"runs": [...], "rows": [...]}` of a table. */
export function tableJson(t: SweepTable): { runs: unknown[]; rows: unknown[] } {
  return { runs: t.runs.map(runJson), rows: t.rows };
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
      const t = await writeTables(dir);
      info({ quiet: opts.quiet }, `wrote ${t.files.join(", ")}`);
      if (opts.format === "json") out(JSON.stringify(tableJson(t), null, 2));
      else if (opts.format === "csv") out(t.csv.trimEnd());
      else out(t.markdown.trimEnd());
    });
}
