/**
 * `slak table --curve`: reads the evaluations of every finished run of a sweep folder
 * (metrics.jsonl) next to its table, builds the training curves (curve.ts), and writes
 * DIR/curve.md, DIR/curve.csv, DIR/curve_claims.csv (specs with training claims) and
 * DIR/plot-curve.svg (+ plot-curve.png when resvg loads).
 *
 * @module
 */
import { UserError } from "../util/errors.ts";
import { writeFileAtomic, writeTextAtomic } from "../util/fs.ts";
import { buildCurve, type CurveOptions, type SweepCurve } from "./curve.ts";
import { renderCurveClaimsCsv, renderCurveCsv, renderCurveMarkdown } from "./curve_format.ts";
import { curvePlot } from "./curve_plot.ts";
import { layout } from "./layout.ts";
import { plotSvg, svgToPng } from "./plot.ts";
import { readRunEvals } from "./run_evals.ts";
import type { SweepTable } from "./tables.ts";

/** Generated files are not hand-formatted: keep `deno fmt --check` off them. */
const FMT_IGNORE = "<!-- deno-fmt-ignore-file -->\n";

/** The curves of a sweep and their renderings. */
export interface SweepCurveFiles {
  curve: SweepCurve;
  markdown: string;
  csv: string;
  /** curve_claims.csv (null when the spec has no training claim). */
  claimsCsv: string | null;
  /** plot-curve.svg (null when no row has an evaluation). */
  svg: string | null;
  /** Files written (empty until {@link saveCurve}). */
  files: string[];
}

/**
 * Builds the curves of sweep folder `dir` from its table `t` (reading only). A spec that only
 * counts (metric `none`) has no curve: a UserError.
 */
export function buildCurveFiles(
  dir: string,
  t: SweepTable,
  opts: CurveOptions = {},
): SweepCurveFiles {
  const spec = t.spec;
  if (spec.metric === "none") {
    throw new UserError(
      `${dir}: spec ${t.plan.spec} only counts (metric none): --curve needs a training sweep`,
    );
  }
  const evals = t.plan.runs.map((r, i) =>
    t.runs[i]?.status === "done" ? readRunEvals(dir, r.id) : null
  );
  const curve = buildCurve({ spec, plan: t.plan, records: t.runs, rows: t.rows, evals }, opts);
  const figure = curvePlot(spec, t.plan, curve);
  return {
    curve,
    markdown: renderCurveMarkdown(spec, t.plan, curve),
    csv: renderCurveCsv(t.plan, curve),
    claimsCsv: curve.claims.length ? renderCurveClaimsCsv(curve) : null,
    svg: figure ? plotSvg(figure) : null,
    files: [],
  };
}

/**
 * Writes the curve files into `dir` (atomically) and records them in `c.files`. A full disk or
 * read-only folder throws an `EnvironmentError` naming the file.
 */
export async function saveCurve(dir: string, c: SweepCurveFiles): Promise<string[]> {
  const files = [layout.curveMd(dir), layout.curveCsv(dir)];
  await writeTextAtomic(files[0]!, FMT_IGNORE + c.markdown);
  await writeTextAtomic(files[1]!, c.csv);
  if (c.claimsCsv !== null) {
    await writeTextAtomic(layout.curveClaimsCsv(dir), c.claimsCsv);
    files.push(layout.curveClaimsCsv(dir));
  }
  if (c.svg !== null) {
    await writeTextAtomic(layout.plotCurveSvg(dir), FMT_IGNORE + c.svg);
    files.push(layout.plotCurveSvg(dir));
    const png = await svgToPng(c.svg);
    if (png) {
      await writeFileAtomic(layout.plotCurvePng(dir), png);
      files.push(layout.plotCurvePng(dir));
    }
  }
  c.files = files;
  return files;
}
