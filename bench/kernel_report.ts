/**
 * Turns kernel-bench results (plus an optional PyTorch JSON from bench/torch_kernels.py) into a
 * markdown table and the target verdicts.
 *
 * @module
 */
import type { Pass, ShapeResult } from "./kernel_bench.ts";

/** Per-shape PyTorch figures (bench/torch_kernels.py output). */
export interface TorchResult {
  id: string;
  fwd_ms: number;
  train_ms: number;
}

/** The whole PyTorch JSON file. */
export interface TorchFile {
  torch: string;
  threads: number;
  batch: number;
  results: TorchResult[];
}

/** Target verdicts for the three target shapes. */
export interface TargetSummary {
  fwdSpeedup: Record<string, number>;
  bwdSpeedup: Record<string, number>;
  /** The same ratios computed from the minima (less sensitive to a shared, loaded machine). */
  fwdSpeedupOfMins: Record<string, number>;
  bwdSpeedupOfMins: Record<string, number>;
  fwdMet: boolean;
  bwdMet: boolean;
  /** Geometric mean of ours / PyTorch over fwd and fwd+bwd of the targets (if available). */
  torchGeomean?: number;
  torchMet?: boolean;
}

const sum = (r: ShapeResult, k: "tfjs" | "ours", passes: Pass[]) =>
  passes.reduce((a, p) => a + r[k][p].median, 0);

/** Speedups and the PyTorch geometric mean for the target shapes. */
export function summarizeTargets(results: ShapeResult[], torch?: TorchFile): TargetSummary {
  const targets = results.filter((r) => r.target);
  const fwdSpeedup: Record<string, number> = {};
  const bwdSpeedup: Record<string, number> = {};
  const fwdSpeedupOfMins: Record<string, number> = {};
  const bwdSpeedupOfMins: Record<string, number> = {};
  const logs: number[] = [];
  for (const r of targets) {
    fwdSpeedup[r.id] = r.tfjs.fwd.median / r.ours.fwd.median;
    bwdSpeedup[r.id] = sum(r, "tfjs", ["dx", "dw"]) / sum(r, "ours", ["dx", "dw"]);
    fwdSpeedupOfMins[r.id] = r.tfjs.fwd.min / r.ours.fwd.min;
    bwdSpeedupOfMins[r.id] = (r.tfjs.dx.min + r.tfjs.dw.min) / (r.ours.dx.min + r.ours.dw.min);
    const t = torch?.results.find((x) => x.id === r.id);
    if (t) {
      logs.push(Math.log(r.ours.fwd.median / t.fwd_ms));
      logs.push(Math.log(sum(r, "ours", ["fwd", "dx", "dw"]) / t.train_ms));
    }
  }
  const summary: TargetSummary = {
    fwdSpeedup,
    bwdSpeedup,
    fwdSpeedupOfMins,
    bwdSpeedupOfMins,
    fwdMet: targets.length > 0 && Object.values(fwdSpeedup).every((s) => s >= 8),
    bwdMet: targets.length > 0 && Object.values(bwdSpeedup).every((s) => s >= 20),
  };
  if (logs.length === 2 * targets.length && targets.length > 0) {
    summary.torchGeomean = Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
    summary.torchMet = summary.torchGeomean <= 1.0;
  }
  return summary;
}

const f1 = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Markdown table: one row per (shape, pass) plus bwd and fwd+bwd sums. */
export function renderTable(results: ShapeResult[], torch?: TorchFile): string {
  const head = [
    "| shape [N,H,W,C] kernel | pass | tfjs ms (min) | ours ms (min) | speedup (of mins) | ours eff. GFLOP/s |" +
    (torch ? " PyTorch ms | ours / PyTorch |" : ""),
    "|---|---|---|---|---|---|" + (torch ? "---|---|" : ""),
  ];
  const rows: string[] = [];
  for (const r of results) {
    const t = torch?.results.find((x) => x.id === r.id);
    const label = `[${r.shape}] ${r.kernel[0]}x${r.kernel[1]}`;
    const groups: [string, Pass[], number | undefined][] = [
      ["fwd", ["fwd"], t?.fwd_ms],
      ["dx", ["dx"], undefined],
      ["dw", ["dw"], undefined],
      ["bwd (dx+dw)", ["dx", "dw"], undefined],
      ["fwd+bwd", ["fwd", "dx", "dw"], t?.train_ms],
    ];
    for (const [name, passes, torchMs] of groups) {
      const a = sum(r, "tfjs", passes);
      const b = sum(r, "ours", passes);
      const aMin = passes.reduce((acc, p) => acc + r.tfjs[p].min, 0);
      const bMin = passes.reduce((acc, p) => acc + r.ours[p].min, 0);
      const gflops = (passes.length * r.effectiveFlops) / b / 1e6;
      let line = `| ${label} | ${name} | ${f1(a)} (${f1(aMin)}) | ${f1(b)} (${f1(bMin)}) | ` +
        `${(a / b).toFixed(1)}x (${(aMin / bMin).toFixed(1)}x) | ${gflops.toFixed(2)} |`;
      if (torch) {
        line += torchMs === undefined ? " | |" : ` ${f1(torchMs)} | ${(b / torchMs).toFixed(2)} |`;
      }
      rows.push(line);
    }
  }
  return [...head, ...rows].join("\n");
}

/** One-paragraph verdicts on the targets. */
export function renderTargets(s: TargetSummary): string {
  const fmt = (m: Record<string, number>) =>
    Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(1)}x`).join(", ");
  if (Object.keys(s.fwdSpeedup).length === 0) {
    return "- targets: n/a (no target shape selected: 56x56x128 with k51x5, k5x51, k31x31)";
  }
  const lines = [
    `- forward >= 8x tfjs (medians): ${s.fwdMet ? "MET" : "NOT MET"} (${
      fmt(s.fwdSpeedup)
    }; of minima: ${fmt(s.fwdSpeedupOfMins)})`,
    `- backward (dx+dw) >= 20x tfjs (medians): ${s.bwdMet ? "MET" : "NOT MET"} (${
      fmt(s.bwdSpeedup)
    }; of minima: ${fmt(s.bwdSpeedupOfMins)})`,
  ];
  if (s.torchGeomean !== undefined) {
    lines.push(
      `- geomean ours/PyTorch (fwd, fwd+bwd of the targets) <= 1.0: ${
        s.torchMet ? "MET" : "NOT MET"
      } (${s.torchGeomean.toFixed(3)})`,
    );
  }
  return lines.join("\n");
}
