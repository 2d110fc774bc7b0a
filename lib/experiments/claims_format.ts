/**
 * Rendering claim verdicts: the Markdown section printed below the main table (what the numbers
 * are, one row per claim and free-axis combination, then each claim's sentence) and claims.csv.
 *
 * @module
 */
import type { ClaimResult } from "./verdicts.ts";

/** Labels as they read in a claims table: "kernel=7, dataset=p" ("–" when none). */
export function matchText(m: Record<string, string>): string {
  const e = Object.entries(m);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(", ") : "–";
}

function num(v: number | null, d: number, sign = false): string {
  if (v === null || !Number.isFinite(v)) return "–";
  const s = v.toFixed(d);
  return sign && v >= 0 ? `+${s}` : s;
}

const UNIT: Record<string, string> = { params: "M params", macs: "GMACs" };

/** The difference cell: "+1.23 ± 0.80" (pp), "+0.40" (one pair), "−13.60 GMACs (exact)". */
export function diffCell(c: ClaimResult): string {
  if (c.mean === null) return "–";
  if (c.exact) return `${num(c.mean, 2, true)} ${UNIT[c.metric] ?? ""} (exact)`;
  return c.sd === null ? num(c.mean, 2, true) : `${num(c.mean, 2, true)} ± ${num(c.sd, 2)}`;
}

/** The interval cell: "[+0.12, +2.34]", or why there is none. */
export function intervalCell(c: ClaimResult): string {
  if (c.exact) return "–";
  if (c.lo === null || c.hi === null) return c.note ?? "–";
  return `[${num(c.lo, 2, true)}, ${num(c.hi, 2, true)}]`;
}

function mdEscape(s: string): string {
  return s.replaceAll("|", "\\|");
}

/** The Markdown section of the claims (empty string when there are none). */
export function renderClaimsMarkdown(claims: readonly ClaimResult[]): string {
  if (claims.length === 0) return "";
  const count = (v: string) => claims.filter((c) => c.verdict === v).length;
  // inconclusive for want of data (not planned at this scale, or no seed finished on both sides):
  // counted apart, so that "inconclusive" means an interval that crosses the boundary or n = 1
  const noData = claims.filter((c) => c.verdict === "inconclusive" && !c.exact && c.n === 0).length;
  const lines = [
    "## Claims",
    "",
    "Each claim compares the rows a and b (axes it does not name are free: one verdict per " +
    "combination, e.g. per dataset). Δ = a − b per seed, paired by seed (same seed on both " +
    "sides), in percentage points: mean ± sd over the n pairs and the 95 % Student-t interval " +
    "of the mean. Verdict: reproduced = the interval lies entirely on the expected side, " +
    "contradicted = entirely on the other side, inconclusive = the interval crosses the " +
    "boundary or n < 2. Verdicts never come from means alone. Counting claims compare exact " +
    "counts.",
    "",
    `Verdicts: ${count("reproduced")} reproduced, ${count("contradicted")} contradicted, ` +
    `${count("inconclusive") - noData} inconclusive` +
    (noData ? `, ${noData} without data (not planned at this scale or not run yet).` : "."),
    "",
    "| claim | where | a | b | expected | n | Δ mean ± sd | 95 % interval | verdict |",
    "|:--|:--|:--|:--|:--|--:|--:|--:|:--|",
  ];
  for (const c of claims) {
    const cells = [
      c.id,
      matchText(c.where),
      matchText(c.a),
      matchText(c.b),
      c.expect,
      c.exact ? "exact" : String(c.n),
      diffCell(c),
      intervalCell(c),
      c.verdict,
    ];
    lines.push(`| ${cells.map(mdEscape).join(" | ")} |`);
  }
  lines.push("");
  const seen = new Set<string>();
  for (const c of claims) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    lines.push(`- \`${c.id}\`: ${c.text}`);
  }
  return lines.join("\n") + "\n";
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The CSV cells of a paired comparison: n, seeds, per-seed differences, mean, sd, interval. */
export function pairedCells(
  c: Pick<ClaimResult, "n" | "seeds" | "diffs" | "mean" | "sd" | "lo" | "hi">,
): unknown[] {
  return [
    c.n,
    c.seeds.join(" "),
    c.diffs.map((d) => d.toFixed(4)).join(" "),
    c.mean,
    c.sd,
    c.lo,
    c.hi,
  ];
}

/** claims.csv: one row per claim and free-axis combination (raw numbers). */
export function renderClaimsCsv(claims: readonly ClaimResult[]): string {
  const head = [
    "claim",
    "where",
    "a",
    "b",
    "expected",
    "metric",
    "n",
    "seeds",
    "diffs",
    "mean",
    "sd",
    "lo95",
    "hi95",
    "exact",
    "verdict",
    "note",
    "text",
  ];
  const lines = [head.join(",")];
  for (const c of claims) {
    lines.push(
      [
        c.id,
        matchText(c.where),
        matchText(c.a),
        matchText(c.b),
        c.expect,
        c.metric,
        ...pairedCells(c),
        c.exact,
        c.verdict,
        c.note,
        c.text,
      ].map(csvCell).join(","),
    );
  }
  return lines.join("\n") + "\n";
}
