/**
 * Rendering experiment tables: Markdown (with a header saying what the numbers are), CSV (raw
 * numbers, one row per configuration) and the results.jsonl records.
 *
 * @module
 */
import type { RowDensity, TableRow } from "./aggregate.ts";
import { renderClaimsMarkdown } from "./claims_format.ts";
import type { RunRecord } from "./collect.ts";
import type { Plan } from "./plan.ts";
import type { AblationSpec, ScaleSpec } from "./spec.ts";
import type { ClaimResult } from "./verdicts.ts";

function fixed(v: number | null, d: number, sign = false): string {
  if (v === null || !Number.isFinite(v)) return "–";
  const s = v.toFixed(d);
  return sign && v >= 0 ? `+${s}` : s;
}

function meanStd(r: TableRow): string {
  if (!r.metric) return "–";
  const m = r.metric.mean.toFixed(2);
  return r.metric.std === null ? m : `${m} ± ${r.metric.std.toFixed(2)}`;
}

const METRIC_NAME: Record<string, string> = { top1: "top-1 %", top5: "top-5 %", miou: "mIoU %" };

/** A density as a percentage: one decimal below 10 %, whole numbers above ("0.5", "45", "100"). */
export function densityPercent(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "–";
  const p = v * 100;
  return p < 10 ? p.toFixed(1) : p.toFixed(0);
}

/**
 * The two density cells of a row: large-kernel density per stage ("0.5/7.0/45/88") and overall
 * ("60"). Dense rows read "dense" / "100"; sparse rows whose finished runs did not record
 * densities (older results) read "n/r"; rows without finished runs "–".
 */
export function densityCells(r: TableRow): [string, string] {
  if (!r.sparse) return ["dense", "100"];
  const d: RowDensity | null = r.density;
  if (d === null) return r.n > 0 ? ["n/r", "n/r"] : ["–", "–"];
  return [d.largeKernel.map(densityPercent).join("/"), densityPercent(d.overall)];
}

/** Header cells and body cells of the Markdown table. */
export function tableCells(spec: AblationSpec, plan: Plan, rows: TableRow[]): string[][] {
  const count = spec.kind === "count";
  const head = [...plan.axes, "model"];
  if (count) {
    head.push("params (M)", "GMACs", "spec params (M)", "spec GMACs", "status");
  } else {
    const metric = METRIC_NAME[spec.metric] ?? spec.metric;
    head.push("n", `${metric} (mean ± sd)`);
    if (spec.reference) head.push("Δ ref");
    head.push("LK dens % s1/s2/s3/s4", "dens %");
    head.push("params (nz)", "MACs (sparse)", "img/s", "paper", "Δ paper", "status");
  }
  const body = rows.map((r) => {
    const cells = [...plan.axes.map((a) => r.labels[a] ?? ""), r.model];
    if (count) {
      cells.push(
        fixed(r.params.dense / 1e6, 2),
        fixed(r.macs.dense / 1e9, 2),
        r.paperCounts ? r.paperCounts.paramsM.toFixed(2) : "unknown",
        r.paperCounts ? r.paperCounts.gmacs.toFixed(2) : "unknown",
        r.status,
      );
      return cells;
    }
    cells.push(`${r.n}/${r.planned}`, meanStd(r));
    if (spec.reference) cells.push(fixed(r.refDelta, 2, true));
    cells.push(...densityCells(r));
    cells.push(
      humanCount(r.params.nonzero),
      humanCount(r.macs.sparse),
      fixed(r.imgPerSec, 1),
      r.paper === null ? "unknown" : r.paper.toFixed(1),
      plan.scale === "paper" ? fixed(r.paperDelta, 2, true) : "n/a (proxy)",
      r.status,
    );
    return cells;
  });
  return [head, ...body];
}

/** 1234567 → "1.23M", 12345 → "12.3K". */
export function humanCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(Math.round(n));
}

function mdEscape(s: string): string {
  return s.replaceAll("|", "\\|");
}

/** The Markdown table with its explanatory header, then the claims' verdicts (if any). */
export function renderMarkdown(
  spec: AblationSpec,
  plan: Plan,
  rows: TableRow[],
  records: RunRecord[],
  claims: readonly ClaimResult[] = [],
): string {
  const cells = tableCells(spec, plan, rows);
  const [head, ...body] = cells;
  const numeric = (c: number) => body.every((r) => /^[-+–\d.,]|^n\/a|^unknown/.test(r[c] ?? ""));
  const align = head!.map((_, c) => (c >= plan.axes.length + 1 && numeric(c) ? "--:" : ":--"));
  const by = (s: string) => records.filter((r) => r.status === s).length;
  // The scale's note says what the table can and cannot show (e.g. a smoke check, not a result).
  const note = (spec.scales as Partial<Record<string, ScaleSpec>>)[plan.scale]?.note;
  const lines = [
    `# ${spec.title} — ${plan.scale} scale`,
    "",
    ...(note ? [note.trim(), ""] : []),
    `Spec \`${plan.spec}\` (spec hash \`${plan.specHash}\`), seeds ${plan.seeds.join(", ")}` +
    (plan.sets.length ? `, --set ${plan.sets.map((s) => `\`${s}\``).join(" ")}` : "") + ".",
    `Runs: ${records.length} planned, ${by("done")} done, ${by("failed")} failed, ` +
    `${by("running")} running, ${by("interrupted")} interrupted, ${by("not run")} not run.`,
    "",
  ];
  if (spec.kind === "count") {
    lines.push(
      "Counting only (no training): dense parameters and multiply-accumulates at the input size " +
        "of the config, fvcore convention (convs and linear layers).",
    );
    if (spec.paper) lines.push(`Reference: ${spec.paper.source}.`);
  } else {
    lines.push(
      `Metric: ${METRIC_NAME[spec.metric] ?? spec.metric} on the test split after the last ` +
        'epoch; mean ± sample standard deviation (n − 1) over the finished seeds, "–" when ' +
        "n < 2; n = finished seeds / planned seeds. params = non-zero parameters, MACs = sparse " +
        "multiply-accumulates per image.",
    );
    lines.push(
      "Densities (% of weights kept, mean over seeds, from the final masks): LK dens = the " +
        "large-kernel (depthwise) branches of stages 1–4; dens = all maskable weights (stem, " +
        'downsampling, large kernels, MLPs, head). "dense" = a dense model; "n/r" = the runs ' +
        "did not record densities (older results); result.json of each run holds the per-group " +
        "breakdown (MLPs, stem/downsampling, head) and table.csv the means.",
    );
    if (spec.reference) {
      const ref = spec.reference;
      const named = Object.entries(ref).map(([k, v]) => `${k}=${v}`).join(", ");
      const free = spec.axes.map((a) => a.name).filter((a) => !(a in ref));
      const same = free.length ? ` with the same ${free.join(", ")}` : "";
      lines.push(`Δ ref = mean − mean of the row ${named}${same} (percentage points).`);
    }
    if (spec.paper) {
      lines.push(
        `Paper column: ${spec.paper.source}; "unknown" = not given by the paper or not ` +
          "verifiable by us (never invented). " +
          (plan.scale === "paper"
            ? "Δ paper = ours − paper."
            : "At this proxy scale the paper's ImageNet numbers are shown for the trend only; " +
              "Δ paper is not meaningful (n/a)."),
      );
    }
  }
  lines.push("");
  lines.push(`| ${head!.map(mdEscape).join(" | ")} |`);
  lines.push(`|${align.join("|")}|`);
  for (const r of body) lines.push(`| ${r.map(mdEscape).join(" | ")} |`);
  const claimsMd = renderClaimsMarkdown(claims);
  if (claimsMd) lines.push("", claimsMd.trimEnd());
  const failed = records.filter((r) => r.status === "failed");
  if (failed.length) {
    lines.push("", "Failed runs:", "");
    for (const f of failed) lines.push(`- \`${f.id}\` ${f.name}: ${f.error}`);
  }
  return lines.join("\n") + "\n";
}

/** The 14 density cells of a CSV row (overall, LK×4, MLP×4, stage×4, head); dense rows 1. */
function csvDensity(r: TableRow): (number | null)[] {
  if (!r.sparse) return Array.from({ length: 14 }, () => 1);
  const d = r.density;
  if (!d) return Array.from({ length: 14 }, () => null);
  return [d.overall, ...d.largeKernel, ...d.mlp, ...d.stages];
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? String(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV of the rows (raw numbers; metric in percent). */
export function renderCsv(spec: AblationSpec, plan: Plan, rows: TableRow[]): string {
  const head = [
    ...plan.axes,
    "model",
    "planned",
    "n",
    "failed",
    `${spec.metric}_mean`,
    `${spec.metric}_std`,
    `${spec.metric}_values`,
    "ref_delta",
    "density_overall",
    ...[1, 2, 3, 4].map((i) => `density_lk_s${i}`),
    ...[1, 2, 3, 4].map((i) => `density_mlp_s${i}`),
    ...[1, 2, 3, 4].map((i) => `density_stage_s${i}`),
    "density_head",
    "params_dense",
    "params_nonzero",
    "macs_dense",
    "macs_sparse",
    "img_per_sec",
    "paper",
    "paper_delta",
    "paper_params_m",
    "paper_gmacs",
    "status",
  ];
  const lines = [head.map(csvCell).join(",")];
  for (const r of rows) {
    lines.push(
      [
        ...plan.axes.map((a) => r.labels[a]),
        r.model,
        r.planned,
        r.n,
        r.failed,
        r.metric?.mean ?? null,
        r.metric?.std ?? null,
        r.values.map((v) => v.toFixed(4)).join(" "),
        r.refDelta,
        ...csvDensity(r),
        r.params.dense,
        r.params.nonzero,
        r.macs.dense,
        r.macs.sparse,
        r.imgPerSec,
        r.paper ?? (spec.paper ? "unknown" : null),
        r.paperDelta,
        r.paperCounts?.paramsM ?? null,
        r.paperCounts?.gmacs ?? null,
        r.status,
      ].map(csvCell).join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/** One results.jsonl record per planned run: id, name, labels, seed, status, and the result. */
export function runJson(r: RunRecord): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    labels: r.labels,
    seed: r.seed,
    status: r.status,
    ...(r.result ?? {}),
    ...(r.error ? { error: r.error } : {}),
  };
}
