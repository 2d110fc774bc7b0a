/**
 * What a re-parameterised (merged) model looks like: the merged forms a config supports, the
 * names of the merged large-kernel tensors, the merged parameter list and the
 * {@link MergedModel} record that {@link reparameterize} and {@link loadMergedModel} return.
 *
 * @module
 */
import type { ModelConfig } from "../config/model_config.ts";
import type { tf } from "../tf.ts";
import { ConfigError } from "../util/errors.ts";
import { largeKernelBranches, modelParamSpecs, type ParamSpec } from "./param_spec.ts";

/** The merged forms. */
export const MERGED_FORMS = ["two-kernels", "one-kernel"] as const;
/** How the large-kernel branches are merged. */
export type MergedForm = (typeof MERGED_FORMS)[number];

/** The forms a config supports; the first is the default. */
export function mergedFormsFor(config: ModelConfig): MergedForm[] {
  return config.arch === "slak" && config.lkMode === "decomposed"
    ? ["two-kernels", "one-kernel"]
    : ["one-kernel"];
}

/** Throws a ConfigError when `form` does not apply to `config`. */
export function checkMergedForm(config: ModelConfig, form: MergedForm): void {
  const ok = mergedFormsFor(config);
  if (!ok.includes(form)) {
    throw new ConfigError(
      `--form ${form} needs lkMode "decomposed" (arch ${config.arch}, lkMode ${config.lkMode}); ` +
        `allowed: ${ok.join(", ")}`,
    );
  }
}

/** Official-style names of the merged tensors of block (stage, block). */
export function mergedLkNames(
  config: ModelConfig,
  stage: number,
  block: number,
  form: MergedForm,
): { tall?: string; wide?: string; kernel?: string; bias: string } {
  if (config.arch === "convnext") {
    const p = `stages.${stage}.${block}.dwconv`;
    return { kernel: `${p}.weight`, bias: `${p}.bias` };
  }
  const p = `stages.${stage}.${block}.large_kernel`;
  if (form === "two-kernels") {
    return {
      tall: `${p}.tall_reparam.weight`,
      wide: `${p}.wide_reparam.weight`,
      bias: `${p}.bias_reparam`,
    };
  }
  return { kernel: `${p}.lkb_reparam.weight`, bias: `${p}.lkb_reparam.bias` };
}

/** Sides of the merged kernels of a stage: two-kernels M×N / N×M; one-kernel K×K. */
export function mergedSides(
  config: ModelConfig,
  stage: number,
): { m: number; n: number; k: number } {
  const brs = largeKernelBranches(config, stage, 0);
  const k = Math.max(...brs.map((b) => Math.max(b.kh, b.kw)));
  const m = config.kernelSizes[stage]!;
  return { m, n: config.smallKernel ?? m, k };
}

/**
 * The parameter list of the merged model: the unmerged list with each block's large-kernel
 * branches (and their BNs) replaced by the merged tensors, in official order.
 */
export function mergedParamSpecs(config: ModelConfig, form: MergedForm): ParamSpec[] {
  checkMergedForm(config, form);
  if (config.arch === "convnext") return modelParamSpecs(config);
  const out: ParamSpec[] = [];
  const done = new Set<string>();
  for (const spec of modelParamSpecs(config)) {
    const m = /^stages\.(\d+)\.(\d+)\.large_kernel\./.exec(spec.name);
    if (!m) {
      out.push(spec);
      continue;
    }
    const key = `${m[1]}.${m[2]}`;
    if (done.has(key)) continue;
    done.add(key);
    const s = Number(m[1]);
    const c = spec.shape[2]!;
    const names = mergedLkNames(config, s, Number(m[2]), form);
    const { m: M, n: N, k: K } = mergedSides(config, s);
    const dw = (name: string, kh: number, kw: number): ParamSpec => ({
      name,
      shape: [kh, kw, c, 1],
      torchShape: [c, 1, kh, kw],
      kind: "dwconv",
      stage: s,
      buffer: false,
      macsPerPosition: kh * kw * c,
    });
    if (form === "two-kernels") {
      out.push(dw(names.tall!, M, N), dw(names.wide!, N, M));
    } else {
      out.push(dw(names.kernel!, K, K));
    }
    out.push({
      name: names.bias,
      shape: [c],
      torchShape: [c],
      kind: "bias",
      stage: s,
      buffer: false,
    });
  }
  return out;
}

/** A re-parameterised model: every tensor by name (tfjs layouts), ready for `forwardMerged`. */
export interface MergedModel {
  /** The config of the model it was merged from. */
  config: ModelConfig;
  /** How the large-kernel branches were merged. */
  form: MergedForm;
  /** Stage widths after the width factor. */
  dims: number[];
  /** The merged model's tensors (names, shapes, layouts). */
  specs: ParamSpec[];
  /** Every tensor by name (tfjs layouts). */
  params: Map<string, tf.Tensor>;
  /** Host copies of the merged large-kernel kernels (tfjs layout), for the sparse-tap path. */
  lkHost: Map<string, Float32Array>;
}
