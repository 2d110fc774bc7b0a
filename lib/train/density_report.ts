/**
 * What a sparse model is: the density of its maskable weights per stage and per kind of layer
 * (large-kernel / depthwise branches, block MLPs, stem and downsampling convs, head), from the
 * actual masks. At small scales the official SNIP ratios can leave a stage's large kernels almost
 * empty while ERK keeps them dense, so a single overall density hides what a "sparse" row tests.
 *
 * @module
 */
import type { Model } from "../models/model.ts";
import type { ParamSpec } from "../models/param_spec.ts";
import type { Sparse } from "./sparse_state.ts";

/** Groups of maskable weights. */
export type DensityGroup = "largeKernel" | "mlp" | "stemDownsample" | "head";

/** Densities of the maskable weights (1 where a group is dense or absent from a stage). */
export interface DensityReport {
  /** All maskable weights. */
  overall: number;
  /** Per stage 0..3 (stem/downsample and blocks of the stage), then the head. */
  stages: number[];
  /** Per group, per stage 0..3 (null where the stage has no weight of the group). */
  groups: Record<DensityGroup, (number | null)[]>;
}

function groupOf(spec: ParamSpec): DensityGroup | null {
  if (spec.kind === "dwconv") return "largeKernel";
  if (spec.kind === "conv") return "stemDownsample";
  if (spec.kind === "linear") return spec.stage === 4 ? "head" : "mlp";
  return null;
}

/** The density report of `model` with the masks of `sp` (a dense model: every entry 1). */
export function densityReport(model: Model, sp: Sparse | null): DensityReport {
  const stageSums = Array.from({ length: 5 }, () => [0, 0]);
  const groups = { largeKernel: 0, mlp: 1, stemDownsample: 2, head: 3 } as const;
  const groupSums = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => [0, 0]));
  let active = 0;
  let total = 0;
  const maskable = new Set(sp?.maskable ?? []);
  for (const spec of model.specs) {
    const g = groupOf(spec);
    if (g === null || (sp !== null && !maskable.has(spec.name))) continue;
    const n = model.params.get(spec.name)!.size;
    const m = sp?.masks.get(spec.name);
    let a = n;
    if (m !== undefined) {
      a = 0;
      for (let i = 0; i < m.length; i++) a += m[i]!;
    }
    active += a;
    total += n;
    const st = stageSums[spec.stage]!;
    st[0]! += a;
    st[1]! += n;
    if (spec.stage < 4) {
      const gs = groupSums[groups[g]]![spec.stage]!;
      gs[0]! += a;
      gs[1]! += n;
    }
  }
  const ratio = ([a, n]: number[]) => (n! > 0 ? a! / n! : 1);
  const perStage = (i: number) => groupSums[i]!.map(([a, n]) => (n! > 0 ? a! / n! : null));
  return {
    overall: total > 0 ? active / total : 1,
    stages: stageSums.map(ratio),
    groups: {
      largeKernel: perStage(groups.largeKernel),
      mlp: perStage(groups.mlp),
      stemDownsample: perStage(groups.stemDownsample),
      head: perStage(groups.head),
    },
  };
}
