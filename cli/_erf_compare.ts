/**
 * The compare mode of `slak erf`: several measured ERFs side by side with their area-ratio table.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { areaRatios, comparePng, ERF_THRESHOLDS, logScaled } from "../lib/analysis/mod.ts";
import { toFloat32 } from "../lib/io/mod.ts";
import { DataError } from "../lib/util/errors.ts";
import { writeFileAtomic, writeTextAtomic } from "../lib/util/fs.ts";
import { info, out, textTable } from "./_common.ts";
import { readNpyInput } from "./_npy_io.ts";

/**
 * `slak erf --compare DIR... --out DIR2`: reads each DIR/erf.npy, writes the maps side by side
 * (DIR2/compare.png, each panel titled by its folder's name, e.g. "convnext_7") and their area
 * ratios (DIR2/compare.md, also printed as a table, or as JSON with `json`).
 */
export async function compareErfs(
  dirs: string[],
  outDir: string,
  flags: { quiet?: boolean | undefined; json?: boolean | undefined },
): Promise<void> {
  const panels = [];
  const erfs: { model: string; dir: string; areaRatio: Record<string, number> }[] = [];
  const rows: string[][] = [["model", "ERF", ...ERF_THRESHOLDS.map((t) => `r(${t})`)]];
  for (const [i, dir] of dirs.entries()) {
    const path = `${dir}/erf.npy`;
    const t = await readNpyInput(
      path,
      `--compare: ${path} not found (run \`slak erf ... --out ${dir}\` first)`,
    );
    if (t.shape.length !== 2) {
      throw new DataError(`${path}: expected a [H, W] map, got [${t.shape}]`);
    }
    const [h, w] = t.shape as [number, number];
    const map = toFloat32(t);
    const ratios = areaRatios(map, h, w);
    const title = panelTitle(dir, i);
    panels.push({ title, scaled: logScaled(map), h, w, areaRatio: ratios });
    rows.push([title, dir, ...ERF_THRESHOLDS.map((k) => ratios[String(k)]!.toFixed(4))]);
    erfs.push({ model: title, dir, areaRatio: ratios });
  }
  await Deno.mkdir(outDir, { recursive: true });
  await writeFileAtomic(`${outDir}/compare.png`, comparePng(panels));
  const md = [
    "| " + rows[0]!.join(" | ") + " |",
    "|" + rows[0]!.map(() => "---").join("|") + "|",
    ...rows.slice(1).map((r) => "| " + r.join(" | ") + " |"),
  ].join("\n");
  await writeTextAtomic(
    `${outDir}/compare.md`,
    `Area ratio r(t): smallest centred square holding more than t of the log-scaled ERF, / image area.\n\n${md}\n`,
  );
  out(flags.json ? JSON.stringify({ erfs }, null, 2) : textTable(rows));
  info(flags, `wrote ${outDir}/compare.png and ${outDir}/compare.md`);
}

/** The title of a compared folder: its own name (`erf/convnext_7` → "convnext_7"). */
export function panelTitle(dir: string, index: number): string {
  return basename(resolve(dir)) || String(index + 1);
}
