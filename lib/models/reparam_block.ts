/**
 * Re-parameterisation of one block's large-kernel module: every BatchNorm folded into its conv
 * (W' = W·γ/σ, b' = β − μ·γ/σ, σ = √(var + eps)) and the parallel branches summed into the
 * merged kernels of the chosen form.
 *
 * @module
 */
import { BN_EPS } from "../layers/batch_norm.ts";
import { checkMergedForm, type MergedForm, mergedSides } from "./merged_form.ts";
import type { Model } from "./model.ts";
import { largeKernelBranches } from "./param_spec.ts";

/** A merged large-kernel module of one block, tfjs layouts ([kh, kw, C] kernels). */
export type MergedLk =
  | {
    form: "two-kernels";
    tall: Float32Array;
    wide: Float32Array;
    m: number;
    n: number;
    bias: Float32Array;
  }
  | { form: "one-kernel"; kernel: Float32Array; k: number; bias: Float32Array };

/** Folds BN (or a conv bias) into a branch: returns scaled kernel [kh,kw,C] and bias [C]. */
function foldBranch(
  model: Model,
  host: ReadonlyMap<string, Float32Array>,
  prefix: string,
  kh: number,
  kw: number,
  c: number,
): { w: Float32Array; b: Float32Array } {
  const cfg = model.config;
  const read = (n: string) => {
    const v = host.get(n);
    if (!v) throw new Error(`mergeBlock: no host copy of "${n}"`);
    return v;
  };
  if (cfg.arch === "convnext") {
    return {
      w: Float32Array.from(read(`${prefix}.weight`)),
      b: Float32Array.from(read(`${prefix}.bias`)),
    };
  }
  const w = Float32Array.from(read(`${prefix}.conv.weight`));
  const b = new Float32Array(c);
  if (!cfg.bn) return { w, b };
  const gamma = read(`${prefix}.bn.weight`);
  const beta = read(`${prefix}.bn.bias`);
  const mean = read(`${prefix}.bn.running_mean`);
  const variance = read(`${prefix}.bn.running_var`);
  const scale = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    scale[j] = gamma[j]! / Math.sqrt(variance[j]! + BN_EPS);
    b[j] = beta[j]! - mean[j]! * scale[j]!;
  }
  for (let t = 0; t < kh * kw; t++) {
    for (let j = 0; j < c; j++) w[t * c + j] = w[t * c + j]! * scale[j]!;
  }
  return { w, b };
}

/** Adds a [kh,kw,C] kernel centred into a [KH,KW,C] kernel. */
function addCentred(
  dst: Float32Array,
  KH: number,
  KW: number,
  src: Float32Array,
  kh: number,
  kw: number,
  c: number,
): void {
  const oy = (KH - kh) >> 1;
  const ox = (KW - kw) >> 1;
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      const s = (y * kw + x) * c;
      const d = ((y + oy) * KW + x + ox) * c;
      for (let j = 0; j < c; j++) dst[d + j] = dst[d + j]! + src[s + j]!;
    }
  }
}

/**
 * Merges the large-kernel module of one block (BN folded). `host` holds the block's branch
 * tensors (tfjs layouts) by name, as {@link readLkHost} returns them.
 */
export function mergeBlock(
  model: Model,
  host: ReadonlyMap<string, Float32Array>,
  stage: number,
  block: number,
  form: MergedForm,
): MergedLk {
  const config = model.config;
  checkMergedForm(config, form);
  const c = model.dims[stage]!;
  const brs = largeKernelBranches(config, stage, block);
  const folded = brs.map((br) => ({
    ...br,
    ...foldBranch(model, host, br.prefix, br.kh, br.kw, c),
  }));
  const bias = new Float32Array(c);
  for (const f of folded) for (let j = 0; j < c; j++) bias[j] = bias[j]! + f.b[j]!;
  const { m, n, k } = mergedSides(config, stage);
  if (form === "two-kernels") {
    const tall = new Float32Array(m * n * c);
    const wide = new Float32Array(n * m * c);
    for (const f of folded) {
      if (f.kh === m && f.kw === n) addCentred(tall, m, n, f.w, f.kh, f.kw, c);
      else if (f.kh === n && f.kw === m) addCentred(wide, n, m, f.w, f.kh, f.kw, c);
      else addCentred(tall, m, n, f.w, f.kh, f.kw, c); // the N×N branch: central rows of M×N
    }
    return { form, tall, wide, m, n, bias };
  }
  const kernel = new Float32Array(k * k * c);
  for (const f of folded) addCentred(kernel, k, k, f.w, f.kh, f.kw, c);
  return { form, kernel, k, bias };
}
