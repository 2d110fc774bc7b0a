/**
 * How a sweep's results move with training steps: for every row (configuration) the mean ± sample
 * sd over its finished seeds of the metric at each evaluation step, with the row's plateau
 * (plateau.ts); for every training claim the paired difference a − b over seeds at each step,
 * its 95 % t interval and the verdict there. The per-step verdicts come from the very functions
 * that judge the final table (verdicts.ts `judgeClaims`, fed each run's evaluation at that step in
 * place of its result), and the row statistics from aggregate.ts `stat`, so the last step of a
 * curve reads exactly as the table.
 *
 * Only finished runs enter, and a step counts only when every finished run of the row (every
 * paired run of the claim) was evaluated there; steps evaluated by only some are listed apart.
 *
 * @module
 */
import { stat, type TableRow } from "./aggregate.ts";
import type { RunRecord } from "./collect.ts";
import { DEFAULT_PLATEAU_PP, type Plateau, plateauOf } from "./plateau.ts";
import type { Plan } from "./plan.ts";
import { type EvalPoint, RECALIBRATED, type RunEvals } from "./run_evals.ts";
import type { AblationSpec } from "./spec.ts";
import { type ClaimResult, judgeClaims } from "./verdicts.ts";

/** The metric of a row at one step, over its finished seeds (percent). */
export interface CurvePoint {
  step: number;
  n: number;
  mean: number;
  /** Sample sd (n − 1); null when n < 2. */
  sd: number | null;
  /** Per-seed values (percent), in seed order. */
  values: number[];
}

/** The curve of one row. */
export interface RowCurve {
  labels: Record<string, string>;
  model: string;
  /** Finished runs of the row (the table's n). */
  runs: number;
  /** Steps evaluated by every finished run, in order. */
  points: CurvePoint[];
  /** Steps evaluated by some but not all of the finished runs (left out). */
  partialSteps: number[];
  /** Names of finished runs without any evaluation of the metric in metrics.jsonl. */
  noEvals: string[];
  /** Finished runs whose points are BN-recalibrated figures (figure `recalibrated` only). */
  recalibratedRuns: number;
  plateau: Plateau;
}

/** A claim's paired comparison at one step (the fields of its {@link ClaimResult} there). */
export type ClaimStep =
  & { step: number }
  & Pick<ClaimResult, "seeds" | "diffs" | "n" | "mean" | "sd" | "lo" | "hi" | "verdict" | "note">;

/** The curve of one training claim on one combination of its free axes. */
export interface ClaimCurve {
  /** The claim's verdict in the final table (its fields as there). */
  final: ClaimResult;
  /** Steps evaluated by every paired run, in order. */
  steps: ClaimStep[];
  /** Steps evaluated by some but not all of the paired runs (left out). */
  partialSteps: number[];
  /** Names of paired runs without any evaluation of the claim's metric. */
  noEvals: string[];
  /** The first step from which the verdict stays what it is at the last step (null: no steps). */
  since: number | null;
}

/**
 * Which evaluation of a step the curve reads: `model` = the table's figure (eval mode, running
 * BN statistics); `recalibrated` = for BatchNorm models the evaluation with recalibrated BN
 * statistics where metrics.jsonl records one (the running statistics lag at high learning
 * rates), the model's figure elsewhere.
 */
export type CurveFigure = "model" | "recalibrated";

/** Options of {@link buildCurve}. */
export interface CurveOptions {
  /** Plateau threshold in percentage points (default {@link DEFAULT_PLATEAU_PP}). */
  plateauPp?: number;
  /** Default `model`. */
  figure?: CurveFigure;
}

/** Everything `slak table --curve` reports. */
export interface SweepCurve {
  /** The spec's metric (`top1`, `top5`, `miou`). */
  metric: string;
  figure: CurveFigure;
  /** Plateau threshold (percentage points). */
  plateauPp: number;
  rows: RowCurve[];
  /** Training claims only, in the table's order. */
  claims: ClaimCurve[];
  /** Planned runs that are not finished (left out). */
  unfinished: number;
  /** Counting claims (params, MACs) left out: they do not change with training. */
  exactClaims: number;
  /** Finished runs whose metrics.jsonl had unreadable lines (skipped). */
  badLines: { name: string; lines: number }[];
}

/** What {@link buildCurve} needs: the table's inputs and each planned run's evaluations. */
export interface CurveInput {
  spec: AblationSpec;
  plan: Plan;
  /** Run records in plan order (collect.ts). */
  records: readonly RunRecord[];
  /** The table's rows (aggregate.ts). */
  rows: readonly TableRow[];
  /** Evaluations per planned run, plan order (null: no metrics.jsonl or not read). */
  evals: readonly (RunEvals | null)[];
}

function matches(match: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

/** Steps at which run `i` has a value of `metric`. */
function stepsOf(evals: RunEvals | null | undefined, metric: string): number[] {
  if (!evals) return [];
  return [...evals.points].filter(([, p]) => typeof p[metric] === "number").map(([s]) => s);
}

/** The steps every list holds and those only some hold, each sorted. */
export function splitSteps(lists: readonly (readonly number[])[]): {
  common: number[];
  partial: number[];
} {
  const all = [...new Set(lists.flat())].sort((a, b) => a - b);
  if (lists.length === 0) return { common: [], partial: [] };
  const sets = lists.map((l) => new Set(l));
  const common = all.filter((s) => sets.every((set) => set.has(s)));
  return { common, partial: all.filter((s) => !common.includes(s)) };
}

/**
 * Evaluations with the recalibrated figures in place of the model's where a point has them, and
 * whether every point of the run had them.
 */
function recalibratedEvals(e: RunEvals | null): { evals: RunEvals | null; all: boolean } {
  if (!e) return { evals: null, all: false };
  const points = new Map<number, EvalPoint>();
  let all = e.points.size > 0;
  for (const [step, p] of e.points) {
    const rc = Object.keys(p).filter((k) => k.startsWith(RECALIBRATED));
    if (rc.length === 0) {
      all = false;
      points.set(step, p);
      continue;
    }
    points.set(step, Object.fromEntries(rc.map((k) => [k.slice(RECALIBRATED.length), p[k]!])));
  }
  return { evals: { points, badLines: e.badLines }, all };
}

/** The records as they stood at `step`: finished runs evaluated there, their evaluation as result. */
function recordsAt(input: CurveInput, step: number): RunRecord[] {
  return input.records.map((r, i) => {
    const p = r.status === "done" ? input.evals[i]?.points.get(step) : undefined;
    return p
      ? { ...r, result: { ...p } }
      : { ...r, status: "not run" as const, result: null, error: null };
  });
}

function rowCurve(
  input: CurveInput,
  row: TableRow,
  plateauPp: number,
  recalibrated: readonly boolean[],
): RowCurve {
  const { plan, records, evals } = input;
  const metric = input.spec.metric;
  const mine = plan.runs
    .map((run, i) => ({ run, i }))
    .filter(({ run, i }) =>
      records[i]?.status === "done" && plan.axes.every((a) => run.labels[a] === row.labels[a])
    )
    .sort((x, y) => x.run.seed - y.run.seed);
  const lists = mine.map(({ i }) => stepsOf(evals[i], metric));
  const { common, partial } = splitSteps(lists);
  const points = common.map((step): CurvePoint => {
    const values = mine.map(({ i }) => evals[i]!.points.get(step)![metric]! * 100);
    const s = stat(values)!;
    return { step, n: s.n, mean: s.mean, sd: s.std, values };
  });
  return {
    labels: row.labels,
    model: row.model,
    runs: mine.length,
    points,
    partialSteps: partial,
    noEvals: mine.filter((_, k) => lists[k]!.length === 0).map(({ run }) => run.name),
    recalibratedRuns: mine.filter(({ i }) => recalibrated[i]).length,
    plateau: plateauOf(points, plateauPp),
  };
}

function stepOf(step: number, c: ClaimResult): ClaimStep {
  const { seeds, diffs, n, mean, sd, lo, hi, verdict, note } = c;
  return { step, seeds, diffs, n, mean, sd, lo, hi, verdict, note };
}

/** The first step of the final run of equal verdicts. */
function sinceOf(steps: readonly ClaimStep[]): number | null {
  if (steps.length === 0) return null;
  const last = steps[steps.length - 1]!.verdict;
  let k = steps.length - 1;
  while (k > 0 && steps[k - 1]!.verdict === last) k--;
  return steps[k]!.step;
}

/** The curves of a sweep: rows in table order, training claims in table order. */
export function buildCurve(given: CurveInput, opts: CurveOptions = {}): SweepCurve {
  const plateauPp = opts.plateauPp ?? DEFAULT_PLATEAU_PP;
  const figure = opts.figure ?? "model";
  const swapped = given.evals.map((e) =>
    figure === "recalibrated" ? recalibratedEvals(e) : { evals: e, all: false }
  );
  const input: CurveInput = { ...given, evals: swapped.map((s) => s.evals) };
  const recalibrated = swapped.map((s) => s.all);
  const { spec, plan, records, rows, evals } = input;
  const final = judgeClaims(spec, plan, records, rows);
  const byStep = new Map<number, ClaimResult[]>();
  const judgedAt = (step: number): ClaimResult[] => {
    let got = byStep.get(step);
    if (!got) {
      got = judgeClaims(spec, plan, recordsAt(input, step), rows);
      byStep.set(step, got);
    }
    return got;
  };
  const claims: ClaimCurve[] = [];
  final.forEach((c, k) => {
    if (c.exact) return;
    const paired = plan.runs
      .map((run, i) => ({ run, i }))
      .filter(({ run, i }) =>
        records[i]?.status === "done" && c.seeds.includes(run.seed) &&
        matches(c.where, run.labels) && (matches(c.a, run.labels) || matches(c.b, run.labels))
      );
    const lists = paired.map(({ i }) => stepsOf(evals[i], c.metric));
    const { common, partial } = splitSteps(lists);
    const steps = common.map((step) => {
      const at = judgedAt(step)[k]!;
      if (at.id !== c.id || JSON.stringify(at.where) !== JSON.stringify(c.where)) {
        throw new Error(`curve: claim ${c.id} judged in a different order at step ${step}`);
      }
      return stepOf(step, at);
    });
    claims.push({
      final: c,
      steps,
      partialSteps: partial,
      noEvals: paired.filter((_, j) => lists[j]!.length === 0).map(({ run }) => run.name),
      since: sinceOf(steps),
    });
  });
  const badLines = plan.runs.flatMap((run, i) => {
    const bad = records[i]?.status === "done" ? evals[i]?.badLines ?? 0 : 0;
    return bad ? [{ name: run.name, lines: bad }] : [];
  });
  return {
    metric: spec.metric,
    figure,
    plateauPp,
    rows: rows.map((r) => rowCurve(input, r, plateauPp, recalibrated)),
    claims,
    unfinished: records.filter((r) => r.status !== "done").length,
    exactClaims: final.filter((c) => c.exact).length,
    badLines,
  };
}
