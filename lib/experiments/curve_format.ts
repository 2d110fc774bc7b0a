/**
 * Rendering the training curves of a sweep (curve.ts): curve.md (rows × evaluation steps with
 * each row's plateau, then every training claim step by step, then what was left out and why),
 * curve.csv (one line per row and step), curve_claims.csv (one line per claim, free combination
 * and step) and the JSON of `slak table --curve --format json`.
 *
 * @module
 */
import { diffCell, intervalCell, matchText, pairedCells } from "./claims_format.ts";
import type { ClaimCurve, ClaimStep, CurvePoint, RowCurve, SweepCurve } from "./curve.ts";
import type { Plateau } from "./plateau.ts";
import type { Plan } from "./plan.ts";
import type { AblationSpec } from "./spec.ts";
import type { ClaimResult } from "./verdicts.ts";

/** Most step columns curve.md shows (evenly spread, always the first and last). */
export const MAX_MD_STEPS = 12;

const METRIC_NAME: Record<string, string> = { top1: "top-1 %", top5: "top-5 %", miou: "mIoU %" };

function mdEscape(s: string): string {
  return s.replaceAll("|", "\\|");
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function signed(v: number): string {
  return v >= 0 ? `+${v.toFixed(2)}` : v.toFixed(2);
}

/** "34.80 ± 2.10", "34.80" (one seed), "–" (no point). */
function pointCell(p: CurvePoint | undefined): string {
  if (!p) return "–";
  return p.sd === null ? p.mean.toFixed(2) : `${p.mean.toFixed(2)} ± ${p.sd.toFixed(2)}`;
}

/** "step 248 of 372 (max later rise +0.40)", "still rising", "too few evaluations". */
export function plateauText(p: Plateau): string {
  if (p.status !== "plateau") return p.status;
  return `step ${p.step} of ${p.lastStep} (max later rise ${signed(p.rise!)})`;
}

/** The steps curve.md shows out of `all` (sorted): all of them, or MAX_MD_STEPS spread evenly. */
export function shownSteps(all: readonly number[], max = MAX_MD_STEPS): number[] {
  if (all.length <= max) return [...all];
  const picked = new Set<number>();
  for (let k = 0; k < max; k++) picked.add(Math.round((k * (all.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => all[i]!);
}

/** "BN-recalibrated" (every run), "model" (none: no BatchNorm or no recalibration), "mixed 1/3". */
function figureCell(r: RowCurve): string {
  if (r.recalibratedRuns === 0) return "model";
  return r.recalibratedRuns === r.runs
    ? "BN-recalibrated"
    : `mixed ${r.recalibratedRuns}/${r.runs}`;
}

/** The ClaimResult of a claim at one step (the table's cell renderers read it). */
function atStep(c: ClaimCurve, s: ClaimStep): ClaimResult {
  const { step: _step, ...fields } = s;
  return { ...c.final, ...fields };
}

function rowName(plan: Plan, r: RowCurve): string {
  return plan.axes.map((a) => r.labels[a] ?? "").join("/");
}

function stepList(steps: readonly number[]): string {
  return steps.length > 8
    ? `${steps.slice(0, 8).join(", ")}, … (${steps.length} steps)`
    : steps.join(", ");
}

/** What was left out of the curves, one line each (empty when nothing). */
export function leftOutLines(plan: Plan, c: SweepCurve): string[] {
  const out: string[] = [];
  if (c.unfinished) out.push(`${c.unfinished} planned runs are not finished: not in the curves.`);
  for (const r of c.rows) {
    const name = rowName(plan, r);
    if (r.noEvals.length) {
      out.push(
        `row ${name}: no evaluations in metrics.jsonl of ${r.noEvals.join(", ")}; ` +
          "no step was evaluated by every finished run.",
      );
    } else if (r.partialSteps.length) {
      out.push(
        `row ${name}: the runs have different evaluation steps; steps ` +
          `${stepList(r.partialSteps)} were evaluated by only some of its ${r.runs} finished ` +
          "runs and are left out.",
      );
    }
  }
  for (const k of c.claims) {
    const name = `claim ${k.final.id} (${matchText(k.final.where)})`;
    if (k.noEvals.length) {
      out.push(`${name}: no evaluations in metrics.jsonl of ${k.noEvals.join(", ")}.`);
    } else if (k.partialSteps.length) {
      out.push(
        `${name}: the paired runs have different evaluation steps; steps ` +
          `${stepList(k.partialSteps)} were evaluated by only some of them and are left out.`,
      );
    }
  }
  for (const b of c.badLines) {
    out.push(`run ${b.name}: ${b.lines} unreadable line(s) of metrics.jsonl skipped.`);
  }
  if (c.exactClaims) {
    out.push(`${c.exactClaims} counting claim(s) (params, MACs) do not change with training.`);
  }
  return out;
}

/** curve.md: header, rows × steps with plateaus, claims step by step, what was left out. */
export function renderCurveMarkdown(spec: AblationSpec, plan: Plan, c: SweepCurve): string {
  const metric = METRIC_NAME[c.metric] ?? c.metric;
  const finished = c.rows.reduce((a, r) => a + r.runs, 0);
  const lines = [
    `# ${spec.title} — ${plan.scale} scale: ${metric} over training`,
    "",
    `Spec \`${plan.spec}\` (spec hash \`${plan.specHash}\`), seeds ${plan.seeds.join(", ")}; ` +
    `${finished} finished runs` +
    (c.unfinished ? ` (${c.unfinished} planned runs not finished are left out).` : "."),
    "",
    `Rows: ${metric} on the test split at each evaluation recorded in the runs' metrics.jsonl ` +
    (c.figure === "recalibrated"
      ? "(BatchNorm models: the evaluation with recalibrated BN statistics where recorded, so " +
        'the last step may differ from table.md; column "figure"), '
      : "(the last one is table.md's figure), ") +
    "mean ± sample sd (n − 1) over the finished seeds; a " +
    "step counts only when every finished run of the row was evaluated there. Plateau: the " +
    `first step after which the row's mean never rose more than ${c.plateauPp} pp above its ` +
    'value there, up to the last evaluation ("still rising": no such step before the last).',
    "",
    "## Rows",
    "",
  ];
  const all = [...new Set(c.rows.flatMap((r) => r.points.map((p) => p.step)))].sort((a, b) =>
    a - b
  );
  const steps = shownSteps(all);
  const rc = c.figure === "recalibrated";
  const head = [
    ...plan.axes,
    "model",
    "n",
    ...(rc ? ["figure"] : []),
    ...steps.map((s) => `step ${s}`),
    "plateau",
  ];
  lines.push(`| ${head.map(mdEscape).join(" | ")} |`);
  const left = (i: number) => i < plan.axes.length + 1 || (rc && i === plan.axes.length + 2);
  lines.push(`|${head.map((_, i) => (left(i) ? ":--" : "--:")).join("|")}|`);
  for (const r of c.rows) {
    const cells = [
      ...plan.axes.map((a) => r.labels[a] ?? ""),
      r.model,
      String(r.runs),
      ...(rc ? [figureCell(r)] : []),
      ...steps.map((s) => pointCell(r.points.find((p) => p.step === s))),
      r.points.length ? plateauText(r.plateau) : "–",
    ];
    lines.push(`| ${cells.map(mdEscape).join(" | ")} |`);
  }
  if (steps.length < all.length) {
    lines.push(
      "",
      `${steps.length} of ${all.length} evaluation steps shown (evenly spread); curve.csv has ` +
        "all.",
    );
  }
  if (c.claims.length) {
    lines.push(
      "",
      "## Claims over training",
      "",
      "Each claim as in table.md (Δ = a − b paired by seed, pp; 95 % Student-t interval; the " +
        "same verdict rule), judged at every step evaluated by all of its paired runs.",
      "",
      "| claim | where | step | n | Δ mean ± sd | 95 % interval | verdict |",
      "|:--|:--|--:|--:|--:|--:|:--|",
    );
    for (const k of c.claims) {
      for (const s of k.steps) {
        const r = atStep(k, s);
        const cells = [
          k.final.id,
          matchText(k.final.where),
          String(s.step),
          String(s.n),
          diffCell(r),
          intervalCell(r),
          s.verdict,
        ];
        lines.push(`| ${cells.map(mdEscape).join(" | ")} |`);
      }
    }
    lines.push("");
    for (const k of c.claims) {
      const f = k.final;
      const last = k.steps[k.steps.length - 1];
      const trend = last
        ? `${last.verdict} from step ${k.since} to the last common step ${last.step}`
        : k.final.n === 0
        ? `no pairs (${k.final.note ?? "no seed finished on both sides"})`
        : "no step evaluated by every paired run";
      lines.push(
        `- \`${f.id}\` (${matchText(f.where)}): a [${matchText(f.a)}] vs b [${matchText(f.b)}], ` +
          `expected ${f.expect}: ${trend}; table.md verdict ${f.verdict}.`,
      );
    }
  }
  const out = leftOutLines(plan, c);
  if (out.length) lines.push("", "## Left out", "", ...out.map((l) => `- ${l}`));
  return lines.join("\n") + "\n";
}

/** curve.csv: one line per row and step (metric in percent; the row's plateau repeated). */
export function renderCurveCsv(plan: Plan, c: SweepCurve): string {
  const head = [
    ...plan.axes,
    "model",
    "runs",
    "figure",
    "recalibrated_runs",
    "step",
    "n",
    `${c.metric}_mean`,
    `${c.metric}_sd`,
    `${c.metric}_values`,
    "plateau",
    "plateau_step",
  ];
  const lines = [head.map(csvCell).join(",")];
  for (const r of c.rows) {
    for (const p of r.points) {
      lines.push(
        [
          ...plan.axes.map((a) => r.labels[a]),
          r.model,
          r.runs,
          c.figure,
          r.recalibratedRuns,
          p.step,
          p.n,
          p.mean,
          p.sd,
          p.values.map((v) => v.toFixed(4)).join(" "),
          r.plateau.status,
          r.plateau.step,
        ].map(csvCell).join(","),
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** curve_claims.csv: one line per training claim, free combination and step. */
export function renderCurveClaimsCsv(c: SweepCurve): string {
  const head = [
    "claim",
    "where",
    "a",
    "b",
    "expected",
    "metric",
    "step",
    "n",
    "seeds",
    "diffs",
    "mean",
    "sd",
    "lo95",
    "hi95",
    "verdict",
    "note",
  ];
  const lines = [head.join(",")];
  for (const k of c.claims) {
    const f = k.final;
    for (const s of k.steps) {
      lines.push(
        [
          f.id,
          matchText(f.where),
          matchText(f.a),
          matchText(f.b),
          f.expect,
          f.metric,
          s.step,
          ...pairedCells(s),
          s.verdict,
          s.note,
        ].map(csvCell).join(","),
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The JSON of the curves (`slak table --curve --format json`). */
export function curveJson(plan: Plan, c: SweepCurve): Record<string, unknown> {
  return {
    metric: c.metric,
    figure: c.figure,
    plateauPp: c.plateauPp,
    rows: c.rows,
    claims: c.claims.map((k) => ({
      id: k.final.id,
      text: k.final.text,
      expect: k.final.expect,
      metric: k.final.metric,
      a: k.final.a,
      b: k.final.b,
      where: k.final.where,
      tableVerdict: k.final.verdict,
      since: k.since,
      steps: k.steps,
      partialSteps: k.partialSteps,
      noEvals: k.noEvals,
    })),
    unfinished: c.unfinished,
    exactClaims: c.exactClaims,
    leftOut: leftOutLines(plan, c),
  };
}
