/**
 * Judging a spec's claims on a sweep: for each claim and each combination of the axes the claim
 * leaves free (e.g. each dataset), the runs of side a and side b are paired by seed (same seed on
 * both sides), the per-seed differences a − b (percentage points) give mean, sd, n and a 95 %
 * t interval, and the interval decides the verdict (claims.ts). Counting claims (params, MACs)
 * compare exact counts: no seeds, the interval is the difference itself.
 *
 * @module
 */
import type { TableRow } from "./aggregate.ts";
import {
  type Claim,
  describeExpectation,
  type Expectation,
  type Verdict,
  verdictOf,
} from "./claims.ts";
import type { RunRecord } from "./collect.ts";
import type { Plan } from "./plan.ts";
import type { AblationSpec } from "./spec.ts";
import { tInterval } from "./stats.ts";

/** Confidence level of the claim intervals. */
export const CLAIM_LEVEL = 0.95;

/** The outcome of one claim on one combination of its free axes. */
export interface ClaimResult {
  id: string;
  text: string;
  /** The expectation as it reads in a table (e.g. "a > b", "|a − b| ≤ 1"). */
  expect: string;
  metric: string;
  a: Record<string, string>;
  b: Record<string, string>;
  /** Labels of the free axes this verdict is about (empty when the claim names every axis). */
  where: Record<string, string>;
  /** Seeds present on both sides (train claims), in increasing order. */
  seeds: number[];
  /** Per-seed differences a − b (pp), in seed order; counting claims: the one exact difference. */
  diffs: number[];
  /** Pairs (train) or 1 (counting). */
  n: number;
  mean: number | null;
  /** Sample sd of the differences (null when n < 2 or exact). */
  sd: number | null;
  /** 95 % interval of the mean difference (exact claims: [d, d]); null when n < 2. */
  lo: number | null;
  hi: number | null;
  /** True for counting claims (no sampling). */
  exact: boolean;
  verdict: Verdict;
  /** Why the verdict is inconclusive without an interval, else null. */
  note: string | null;
}

function matches(match: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

function percent(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v * 100 : null;
}

function pick(labels: Record<string, string>, axes: readonly string[]): Record<string, string> {
  return Object.fromEntries(axes.map((a) => [a, labels[a] ?? ""]));
}

/** The expectation part of a claim. */
function expectationOf(c: Claim): Expectation {
  return c.expect === "a >= b" || c.expect === "a ≈ b"
    ? { expect: c.expect, margin: c.margin }
    : { expect: c.expect };
}

/** Per-seed metric values (percent) of the finished runs with `labels` matching `m` and `where`. */
function valuesBySeed(
  plan: Plan,
  records: readonly RunRecord[],
  metric: string,
  side: Record<string, string>,
  where: Record<string, string>,
): Map<number, number> {
  const out = new Map<number, number>();
  plan.runs.forEach((run, i) => {
    const rec = records[i];
    if (
      !rec || rec.status !== "done" || !matches(side, run.labels) || !matches(where, run.labels)
    ) {
      return;
    }
    const v = percent(rec.result?.[metric]);
    if (v !== null) out.set(run.seed, v);
  });
  return out;
}

function judgeTrain(
  base: Omit<
    ClaimResult,
    "seeds" | "diffs" | "n" | "mean" | "sd" | "lo" | "hi" | "verdict" | "note"
  >,
  e: Expectation,
  a: Map<number, number>,
  b: Map<number, number>,
): ClaimResult {
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  const diffs = seeds.map((s) => a.get(s)! - b.get(s)!);
  const ci = tInterval(diffs, CLAIM_LEVEL);
  const mean = diffs.length ? diffs.reduce((x, y) => x + y, 0) / diffs.length : null;
  return {
    ...base,
    seeds,
    diffs,
    n: diffs.length,
    mean,
    sd: ci?.sd ?? null,
    lo: ci?.lo ?? null,
    hi: ci?.hi ?? null,
    verdict: verdictOf(e, ci),
    note: ci
      ? null
      : diffs.length === 0
      ? "no seed finished on both sides"
      : "1 pair: no interval (needs n ≥ 2)",
  };
}

function countOf(row: TableRow | undefined, metric: string): number | null {
  if (!row) return null;
  return metric === "params" ? row.params.dense / 1e6 : row.macs.dense / 1e9;
}

/**
 * The verdicts of every claim of `spec` on the sweep (claims in spec order; within a claim, free
 * combinations in plan order). A claim whose rows are not planned at this scale gives one
 * inconclusive result saying so.
 */
export function judgeClaims(
  spec: AblationSpec,
  plan: Plan,
  records: readonly RunRecord[],
  rows: readonly TableRow[],
): ClaimResult[] {
  const out: ClaimResult[] = [];
  // Plans saved by older builds carry definitions without claims.
  for (const claim of spec.claims ?? []) {
    const e = expectationOf(claim);
    const metric = claim.metric ?? spec.metric;
    const named = Object.keys(claim.compare.a);
    const free = plan.axes.filter((a) => !named.includes(a));
    const combos: Record<string, string>[] = [];
    const seen = new Set<string>();
    for (const run of plan.runs) {
      if (!matches(claim.compare.a, run.labels) && !matches(claim.compare.b, run.labels)) continue;
      const where = pick(run.labels, free);
      const key = JSON.stringify(where);
      const other = plan.runs.some((r) =>
        matches(where, r.labels) &&
        (matches(claim.compare.a, run.labels)
          ? matches(claim.compare.b, r.labels)
          : matches(claim.compare.a, r.labels))
      );
      if (!other || seen.has(key)) continue;
      seen.add(key);
      combos.push(where);
    }
    const base = {
      id: claim.id,
      text: claim.text,
      expect: describeExpectation(e),
      metric,
      a: claim.compare.a,
      b: claim.compare.b,
      exact: metric === "params" || metric === "macs",
    };
    if (combos.length === 0) {
      out.push({
        ...base,
        where: {},
        seeds: [],
        diffs: [],
        n: 0,
        mean: null,
        sd: null,
        lo: null,
        hi: null,
        verdict: "inconclusive",
        note: "rows not planned at this scale",
      });
      continue;
    }
    for (const where of combos) {
      if (base.exact) {
        const va = countOf(
          rows.find((r) => matches({ ...claim.compare.a, ...where }, r.labels)),
          metric,
        );
        const vb = countOf(
          rows.find((r) => matches({ ...claim.compare.b, ...where }, r.labels)),
          metric,
        );
        const d = va !== null && vb !== null ? va - vb : null;
        out.push({
          ...base,
          where,
          seeds: [],
          diffs: d === null ? [] : [d],
          n: d === null ? 0 : 1,
          mean: d,
          sd: null,
          lo: d,
          hi: d,
          verdict: verdictOf(e, d === null ? null : { lo: d, hi: d }),
          note: d === null ? "rows missing" : null,
        });
        continue;
      }
      out.push(
        judgeTrain(
          { ...base, where },
          e,
          valuesBySeed(plan, records, metric, claim.compare.a, where),
          valuesBySeed(plan, records, metric, claim.compare.b, where),
        ),
      );
    }
  }
  return out;
}
