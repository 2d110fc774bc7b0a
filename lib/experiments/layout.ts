/**
 * The sweep folder: `DIR/plan.json` (the expanded plan and its spec hash), `DIR/runs/<id>/` (one
 * folder per run: the outputs of `slak train`, `result.json` written last = done, `error.json`
 * after a failure), `DIR/locks/<id>.lock`, and the merged tables `results.jsonl`, `table.csv`,
 * `table.md` (+ `claims.csv` for specs with claims, `plot.svg`/`plot.png`; with `--curve`
 * `curve.md`, `curve.csv`, `curve_claims.csv`, `plot-curve.svg`/`plot-curve.png`).
 *
 * @module
 */
import { join } from "node:path";

/** Paths inside a sweep folder. */
export const layout = {
  plan: (dir: string) => join(dir, "plan.json"),
  runs: (dir: string) => join(dir, "runs"),
  run: (dir: string, id: string) => join(dir, "runs", id),
  result: (dir: string, id: string) => join(dir, "runs", id, "result.json"),
  metrics: (dir: string, id: string) => join(dir, "runs", id, "metrics.jsonl"),
  error: (dir: string, id: string) => join(dir, "runs", id, "error.json"),
  checkpoint: (dir: string, id: string) =>
    join(dir, "runs", id, "checkpoints", "state.safetensors"),
  locks: (dir: string) => join(dir, "locks"),
  lock: (dir: string, id: string) => join(dir, "locks", `${id}.lock`),
  resultsJsonl: (dir: string) => join(dir, "results.jsonl"),
  tableCsv: (dir: string) => join(dir, "table.csv"),
  tableMd: (dir: string) => join(dir, "table.md"),
  claimsCsv: (dir: string) => join(dir, "claims.csv"),
  plotSvg: (dir: string) => join(dir, "plot.svg"),
  plotPng: (dir: string) => join(dir, "plot.png"),
  curveMd: (dir: string) => join(dir, "curve.md"),
  curveCsv: (dir: string) => join(dir, "curve.csv"),
  curveClaimsCsv: (dir: string) => join(dir, "curve_claims.csv"),
  plotCurveSvg: (dir: string) => join(dir, "plot-curve.svg"),
  plotCurvePng: (dir: string) => join(dir, "plot-curve.png"),
};

/** Reads a JSON file; null when absent or not valid JSON (e.g. a foreign half-written file). */
export function readJsonOrNull<T = unknown>(path: string): T | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as T;
  } catch {
    return null;
  }
}

/** Whether a run is finished (its result.json exists and parses). */
export function isDone(dir: string, id: string): boolean {
  return readJsonOrNull(layout.result(dir, id)) !== null;
}
