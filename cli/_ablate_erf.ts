/**
 * The end of `slak ablate erf`: writes the sweep's ERF table and comparison figure (DIR/erf.md,
 * erf.csv, erf.png) and returns them for printing; a folder that refuses the writes (read-only,
 * full disk, no permission) still gets its table printed, with a warning.
 *
 * @module
 */
import { erfMarkdown, type ErfRow, erfRows, writeErfTables } from "../lib/experiments/erf_table.ts";
import type { Plan } from "../lib/experiments/mod.ts";
import { describeFsError } from "../lib/util/fs.ts";
import { type CommonFlags, info } from "./_common.ts";

/** The ERF rows and their Markdown, after writing them (and the figure) into `dir`. */
export async function erfTablesOf(
  dir: string,
  plan: Plan,
  flags: CommonFlags,
): Promise<{ rows: ErfRow[]; markdown: string }> {
  try {
    const t = await writeErfTables(dir, plan);
    info(flags, `wrote ${t.files.join(", ")}`);
    return t;
  } catch (e) {
    const env = describeFsError(e);
    if (env === null) throw e;
    console.error(`slak: warning: ${env.message}; ERF table printed, files not written`);
    const rows = erfRows(dir, plan);
    return { rows, markdown: erfMarkdown(plan, rows) };
  }
}
