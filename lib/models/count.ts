/**
 * Closed-form parameter and MAC counts of a model, from its parameter list (no tensors are
 * allocated). MACs follow the fvcore convention the ConvNeXt and SLaK papers report as "FLOPs":
 * multiply-accumulates of convolutions and linear layers; norms, activations and biases excluded.
 * Non-zero figures spread the configured sparsity over every maskable (2-D/4-D) weight, with each
 * layer keeping round(density · numel) weights, as our masks do.
 *
 * @module
 */
import type { ModelConfig } from "../config/model_config.ts";
import { numel } from "../util/shape.ts";
import { isMaskableKind, modelParamSpecs, type ParamSpec } from "./param_spec.ts";

/** Counts of one stage (0..3, stem/downsample included) or of the head (4). */
export interface StageCount {
  /** "stage 1".."stage 4" or "head". */
  stage: string;
  /** Feature-map height × width the stage runs at. */
  map: [number, number];
  /** Parameters: all, and non-zero at the configured sparsity. */
  params: { dense: number; nonzero: number };
  /** Multiply-accumulates per image: dense, and with the sparse layers' densities. */
  macs: { dense: number; sparse: number };
}

/** The output of {@link countModel}. */
export interface ModelCount {
  /** Input height and width the MACs are counted at. */
  inputSize: [number, number];
  /** Parameters of the whole model: all, and non-zero at the configured sparsity. */
  params: { dense: number; nonzero: number };
  /** Multiply-accumulates per image: dense, and with the sparse layers' densities. */
  macs: { dense: number; sparse: number };
  /** The same figures per stage. */
  stages: StageCount[];
}

/** Feature-map sizes of the four stages for an input of `h × w` (4×4/4 stem, 2×2/2 downsampling). */
export function stageMaps(h: number, w: number): [number, number][] {
  const out: [number, number][] = [];
  let a = Math.floor((h - 4) / 4) + 1;
  let b = Math.floor((w - 4) / 4) + 1;
  for (let i = 0; i < 4; i++) {
    if (i > 0) {
      a = Math.floor((a - 2) / 2) + 1;
      b = Math.floor((b - 2) / 2) + 1;
    }
    out.push([a, b]);
  }
  return out;
}

/** Non-zero count of a maskable weight at `density` (exact per layer, like our masks). */
export function nonzeroAt(n: number, density: number): number {
  return Math.round(density * n);
}

function positions(spec: ParamSpec, maps: [number, number][]): number {
  if (spec.stage === 4) return 1;
  const [h, w] = maps[spec.stage]!;
  return h * w;
}

/**
 * Parameters (dense and non-zero) and MACs (dense and sparse) per stage and in total.
 * @param inputSize input height and width (default 224 × 224)
 */
export function countModel(
  config: ModelConfig,
  inputSize: [number, number] = [224, 224],
): ModelCount {
  const maps = stageMaps(inputSize[0], inputSize[1]);
  if (maps.some(([h, w]) => h < 1 || w < 1)) {
    throw new RangeError(
      `Input ${inputSize[0]}x${
        inputSize[1]
      } is too small: the stem and downsampling need at least 32x32`,
    );
  }
  const density = 1 - config.sparsity;
  const stages: StageCount[] = [0, 1, 2, 3, 4].map((s) => ({
    stage: s < 4 ? `stage ${s + 1}` : "head",
    map: s < 4 ? maps[s]! : [1, 1],
    params: { dense: 0, nonzero: 0 },
    macs: { dense: 0, sparse: 0 },
  }));
  for (const spec of modelParamSpecs(config)) {
    if (spec.buffer) continue;
    const st = stages[spec.stage]!;
    const n = numel(spec.shape);
    const maskable = isMaskableKind(spec.kind);
    const nz = maskable ? nonzeroAt(n, density) : n;
    st.params.dense += n;
    st.params.nonzero += nz;
    if (spec.macsPerPosition !== undefined) {
      const pos = positions(spec, maps);
      st.macs.dense += spec.macsPerPosition * pos;
      st.macs.sparse += spec.macsPerPosition * pos * (nz / n);
    }
  }
  const sum = (f: (s: StageCount) => number) => stages.reduce((a, s) => a + f(s), 0);
  return {
    inputSize,
    params: { dense: sum((s) => s.params.dense), nonzero: sum((s) => s.params.nonzero) },
    macs: { dense: sum((s) => s.macs.dense), sparse: sum((s) => s.macs.sparse) },
    stages,
  };
}
