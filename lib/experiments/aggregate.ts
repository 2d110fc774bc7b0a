/**
 * Rows of an experiment table: one per configuration (the runs that differ only in the seed),
 * with n, mean ± sample standard deviation of the metric over seeds, Δ to the reference row,
 * params and MACs (counted from the resolved model config, so rows exist before their runs
 * finish), img/s, the densities of sparse models (per stage and group, from result.json's
 * `densities`, mean over seeds), the paper's value where the spec gives one ("unknown" otherwise)
 * and a status.
 *
 * @module
 */
import type { ModelConfig } from "../config/model_config.ts";
import { countModel } from "../models/count.ts";
import type { RunRecord } from "./collect.ts";
import type { Plan, PlannedRun } from "./plan.ts";
import type { AblationSpec } from "./spec.ts";

/** Mean and sample standard deviation (n − 1; null when n < 2). */
export interface Stat {
  mean: number;
  std: number | null;
  n: number;
}

/**
 * Mean densities (fractions) of a sparse row's maskable weights over the finished seeds that
 * recorded them (result.json `densities`, lib/train/density_report.ts).
 */
export interface RowDensity {
  /** Seeds averaged. */
  n: number;
  /** All maskable weights. */
  overall: number;
  /** Large-kernel (depthwise) branches per stage 1..4 (null where a stage has none). */
  largeKernel: (number | null)[];
  /** Block MLPs per stage 1..4. */
  mlp: (number | null)[];
  /** Per stage 1..4 (all maskable weights of the stage), then the head. */
  stages: number[];
}

/** One table row. */
export interface TableRow {
  labels: Record<string, string>;
  /** Compact model description: kernels, mode, short edge, width, sparsity. */
  model: string;
  /** Planned seeds of this configuration. */
  planned: number;
  /** Finished runs. */
  n: number;
  failed: number;
  /** Metric in percent over finished seeds (null when none finished or the spec only counts). */
  metric: Stat | null;
  /** Per-seed metric values (percent), in seed order. */
  values: number[];
  /**
   * metric.mean − the mean of this row's reference row (percentage points): the row with the
   * spec's reference labels on the axes the reference names and this row's labels on the others
   * (so a reference without `dataset` compares within each dataset).
   */
  refDelta: number | null;
  params: { dense: number; nonzero: number };
  macs: { dense: number; sparse: number };
  /** True when the model is sparse (its `sparsity` > 0). */
  sparse: boolean;
  /** Sparse rows: mean densities over the finished seeds; null when dense or none recorded. */
  density: RowDensity | null;
  /** Mean training images per second of the finished runs. */
  imgPerSec: number | null;
  /** Paper value (percent), null = the paper does not give it (or it is not known to us). */
  paper: number | null;
  /** metric.mean − paper, only at the paper scale (proxy scales are not comparable). */
  paperDelta: number | null;
  /** Paper params (M) and GMACs for counting specs. */
  paperCounts: { paramsM: number; gmacs: number } | null;
  status: string;
}

/** Mean and sample std of `xs`. */
export function stat(xs: readonly number[]): Stat | null {
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, std: null, n: xs.length };
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(v), n: xs.length };
}

function matches(match: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

/** Input height/width of a run config (train: from its data section; count: `inputSize`). */
export function inputSizeOf(config: Record<string, unknown>): [number, number] {
  const size = config.inputSize as [number, number] | undefined;
  if (size) return size;
  const data = config.data as Record<string, unknown> | undefined;
  switch (data?.kind) {
    case "pathfinder":
    case "shapes":
    case "imagefolder":
    case "seg_shapes":
      return [data.size as number, data.size as number];
    case "fashion_mnist": {
      const c = data.canvas as { size: number } | null;
      return c ? [c.size, c.size] : [28, 28];
    }
    default:
      return [32, 32];
  }
}

/** One-line description of a model config. */
export function describeModel(m: ModelConfig): string {
  const parts = [m.kernelSizes.join("-")];
  if (m.arch === "convnext") parts.push("dw+bias");
  else {
    parts.push(m.lkMode === "decomposed" ? "dec" : "dense");
    if (m.smallKernel !== null) parts.push(`N${m.smallKernel}`);
    if (m.bn) parts.push("BN");
  }
  if (m.widthFactor !== 1) parts.push(`×${m.widthFactor}`);
  if (m.sparsity > 0) parts.push(`s${m.sparsity}`);
  return parts.join(" ");
}

interface RecordedDensity {
  overall: number;
  stages: number[];
  groups: { largeKernel: (number | null)[]; mlp: (number | null)[] };
}

function isDensity(v: unknown): v is RecordedDensity {
  const d = v as RecordedDensity | null;
  return typeof d?.overall === "number" && Array.isArray(d.stages) &&
    Array.isArray(d.groups?.largeKernel) && Array.isArray(d.groups?.mlp);
}

function meanOrNull(xs: readonly (number | null)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === "number");
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** Mean of the `densities` records of finished runs (null when none has one). */
export function meanDensity(results: readonly unknown[]): RowDensity | null {
  const ds = results.filter(isDensity);
  if (ds.length === 0) return null;
  const at = (get: (d: RecordedDensity) => (number | null)[], i: number) =>
    meanOrNull(ds.map((d) => get(d)[i] ?? null));
  const four = (get: (d: RecordedDensity) => (number | null)[]) =>
    [0, 1, 2, 3].map((i) => at(get, i));
  return {
    n: ds.length,
    overall: meanOrNull(ds.map((d) => d.overall))!,
    largeKernel: four((d) => d.groups.largeKernel),
    mlp: four((d) => d.groups.mlp),
    stages: [0, 1, 2, 3, 4].map((i) => at((d) => d.stages, i) ?? 1),
  };
}

function percent(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v * 100 : null;
}

/** Builds the rows of `plan` from the run records (plan order; configurations in first-seen order). */
export function buildRows(spec: AblationSpec, plan: Plan, records: RunRecord[]): TableRow[] {
  const groups = new Map<string, { runs: PlannedRun[]; recs: RunRecord[] }>();
  plan.runs.forEach((run, i) => {
    const key = JSON.stringify(plan.axes.map((a) => run.labels[a]));
    const g = groups.get(key) ?? { runs: [], recs: [] };
    g.runs.push(run);
    g.recs.push(records[i]!);
    groups.set(key, g);
  });
  const rows: TableRow[] = [];
  for (const { runs, recs } of groups.values()) {
    const first = runs[0]!;
    const model = first.config.modelConfig as ModelConfig;
    const counted = countModel(model, inputSizeOf(first.config));
    const done = recs.filter((r) => r.status === "done");
    const failed = recs.filter((r) => r.status === "failed").length;
    const values = spec.metric === "none"
      ? []
      : done.map((r) => percent(r.result?.[spec.metric])).filter((v): v is number => v !== null);
    const speeds = done.map((r) => r.result?.imgPerSec).filter((v): v is number =>
      typeof v === "number" && v > 0
    );
    const paperEntry = spec.paper?.values.find((v) => matches(v.match, first.labels));
    const countEntry = spec.paper?.counts.find((v) => matches(v.match, first.labels));
    const metric = stat(values);
    const sparse = model.sparsity > 0;
    let status: string;
    if (done.length === runs.length) status = "done";
    else if (done.length === 0 && failed === 0) {
      status = recs.some((r) => r.status === "running") ? "running" : "not run";
    } else status = `${done.length}/${runs.length} done`;
    if (failed) status += `, ${failed} failed`;
    rows.push({
      labels: first.labels,
      model: describeModel(model),
      planned: runs.length,
      n: done.length,
      failed,
      metric,
      values,
      refDelta: null,
      params: counted.params,
      macs: counted.macs,
      sparse,
      density: sparse ? meanDensity(done.map((r) => r.result?.densities)) : null,
      imgPerSec: speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null,
      paper: paperEntry?.value ?? null,
      paperDelta: plan.scale === "paper" && metric && paperEntry?.value != null
        ? metric.mean - paperEntry.value
        : null,
      paperCounts: countEntry ? { paramsM: countEntry.paramsM, gmacs: countEntry.gmacs } : null,
      status,
    });
  }
  if (spec.reference) {
    for (const r of rows) {
      const ref = rows.find((x) => matches({ ...r.labels, ...spec.reference }, x.labels));
      if (r.metric && ref?.metric) r.refDelta = r.metric.mean - ref.metric.mean;
    }
  }
  if (spec.kind === "count") {
    for (const r of rows) {
      if (!r.paperCounts || r.status !== "done") continue;
      const ok = (r.params.dense / 1e6).toFixed(2) === r.paperCounts.paramsM.toFixed(2) &&
        (r.macs.dense / 1e9).toFixed(2) === r.paperCounts.gmacs.toFixed(2);
      r.status = ok ? "matches" : "MISMATCH";
    }
  }
  return rows;
}
