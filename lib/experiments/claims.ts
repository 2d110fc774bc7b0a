/**
 * The paper's claims that an ablation's rows test, and the verdict rule. A claim compares the
 * rows matching `compare.a` with those matching `compare.b` (axes not named are free: one verdict
 * per combination of them, e.g. per dataset) and expects a relation between them:
 *
 * - `a > b` / `a < b`: reproduced when the 95 % interval of the paired difference a − b lies
 *   entirely on the expected side of 0, contradicted when entirely on the other side;
 * - `a >= b` (not worse, by at most `margin` percentage points, default 0): reproduced when the
 *   interval lies above −margin, contradicted when entirely below it;
 * - `a ≈ b` (equivalent within ± `margin` pp): reproduced when the interval lies inside
 *   [−margin, +margin], contradicted when entirely outside it.
 *
 * Anything else (an interval across the boundary, fewer than 2 pairs) is inconclusive. Claims do
 * not enter run ids or plan hashes: editing them never invalidates a sweep folder.
 *
 * @module
 */
import { z } from "zod";

const label = z.union([z.string().min(1), z.number()]).transform((v) => String(v));
const match = z.record(z.string(), label);

/** The relations a claim can expect between a and b. */
export const EXPECTATIONS = ["a > b", "a < b", "a >= b", "a ≈ b"] as const;

const common = {
  /** Short id (lower-kebab-case), unique within the spec. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "claim ids are lower-kebab-case"),
  /** The paper's claim in one sentence. */
  text: z.string().min(1),
  /** The rows compared: `{axis: label}` each; the axes neither names are free. */
  compare: z.strictObject({ a: match, b: match }),
  /** Where the claim comes from (defaults to the spec's paper source). */
  source: z.string().optional(),
  /**
   * Result compared: the spec's metric (default), or for counting specs `params` / `macs`
   * (dense counts, exact: no seeds, no interval).
   */
  metric: z.enum(["top1", "top5", "miou", "params", "macs"]).optional(),
};

/** One claim: a discriminated union on `expect` (only `>=` and `≈` carry a margin). */
export const ClaimSchema = z.discriminatedUnion("expect", [
  z.strictObject({ ...common, expect: z.literal("a > b") }),
  z.strictObject({ ...common, expect: z.literal("a < b") }),
  z.strictObject({ ...common, expect: z.literal("a >= b"), margin: z.number().min(0).default(0) }),
  z.strictObject({ ...common, expect: z.literal("a ≈ b"), margin: z.number().gt(0) }),
]);
/** A parsed claim. */
export type Claim = z.output<typeof ClaimSchema>;
/** The relation part of a claim. */
export type Expectation =
  | { expect: "a > b" }
  | { expect: "a < b" }
  | { expect: "a >= b"; margin: number }
  | { expect: "a ≈ b"; margin: number };

/** The outcome of a claim on one combination of the free axes. */
export type Verdict = "reproduced" | "contradicted" | "inconclusive";

/**
 * The verdict of `e` given the interval [lo, hi] of the difference a − b, or null when there is
 * no interval (fewer than 2 pairs): inconclusive. Never decided from a mean alone.
 */
export function verdictOf(e: Expectation, interval: { lo: number; hi: number } | null): Verdict {
  if (interval === null) return "inconclusive";
  const { lo, hi } = interval;
  switch (e.expect) {
    case "a > b":
      return lo > 0 ? "reproduced" : hi < 0 ? "contradicted" : "inconclusive";
    case "a < b":
      return hi < 0 ? "reproduced" : lo > 0 ? "contradicted" : "inconclusive";
    case "a >= b":
      return lo >= -e.margin ? "reproduced" : hi < -e.margin ? "contradicted" : "inconclusive";
    case "a ≈ b":
      if (lo >= -e.margin && hi <= e.margin) return "reproduced";
      return lo > e.margin || hi < -e.margin ? "contradicted" : "inconclusive";
  }
}

/** How a claim's expectation reads in a table ("a > b", "a ≥ b − 1 pp", "|a − b| ≤ 0.5 pp"). */
export function describeExpectation(e: Expectation): string {
  switch (e.expect) {
    case "a > b":
    case "a < b":
      return e.expect;
    case "a >= b":
      return e.margin > 0 ? `a ≥ b − ${e.margin}` : "a ≥ b";
    case "a ≈ b":
      return `|a − b| ≤ ${e.margin}`;
  }
}
