/**
 * Inference-time re-parameterisation of the large-kernel module (spec §6). Every BatchNorm is folded
 * into its conv (W' = W·γ/σ, b' = β − μ·γ/σ, σ = √(var + eps)) and the parallel branches are merged
 * by linearity:
 * - "two-kernels" (decomposed SLaK only): the N×N branch is added to the central N rows of the M×N
 *   kernel, giving an M×N and an N×M kernel plus one bias (run by the fused decomposed op);
 * - "one-kernel": every branch is zero-padded to one K×K kernel (K the largest side) and summed,
 *   plus one bias (RepLKNet-style; also ConvNeXt's dwconv, which is already in this form).
 *
 * A merged model keeps every other parameter under its official name; the merged large-kernel
 * tensors get new names ({@link mergedLkNames}). Merged weight files carry the form in the
 * safetensors metadata key {@link REPARAM_METADATA_KEY}.
 *
 * @module
 */
import type { ModelConfig } from "../config/model_config.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import { toFloat32 } from "../io/host_tensor.ts";
import { encodeSafetensors } from "../io/safetensors.ts";
import { BN_EPS } from "../layers/batch_norm.ts";
import { tf } from "../tf.ts";
import { ConfigError, DataError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { getVar, type Model } from "./model.ts";
import { largeKernelBranches, modelParamSpecs, type ParamSpec } from "./param_spec.ts";
import { permute } from "./state_dict.ts";
import { MODEL_CONFIG_METADATA_KEY, type WeightsFile } from "./weights_file.ts";

/** The merged forms. */
export const MERGED_FORMS = ["two-kernels", "one-kernel"] as const;
/** How the large-kernel branches are merged. */
export type MergedForm = (typeof MERGED_FORMS)[number];

/** Safetensors metadata key marking a re-parameterised file (JSON `{"form": ...}`). */
export const REPARAM_METADATA_KEY = "slak.reparam";

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
function mergedSides(config: ModelConfig, stage: number): { m: number; n: number; k: number } {
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

/** A re-parameterised model: every tensor by name (tfjs layouts), ready for `forwardMerged`. */
export interface MergedModel {
  config: ModelConfig;
  form: MergedForm;
  dims: number[];
  specs: ParamSpec[];
  params: Map<string, tf.Tensor>;
  /** Host copies of the merged large-kernel kernels (tfjs layout), for the sparse-tap path. */
  lkHost: Map<string, Float32Array>;
}

/** Reads every large-kernel branch tensor of a model to the host (tfjs layouts, by name). */
export async function readLkHost(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const spec of model.specs) {
    if (!/[.](large_kernel|dwconv)[.]/.test(spec.name) || spec.kind === "bn_count") continue;
    out.set(spec.name, (await getVar(model, spec.name).data()) as Float32Array);
  }
  return out;
}

/** Re-parameterises a model (BN folded, branches merged); the source model is left unchanged. */
export async function reparameterize(model: Model, form: MergedForm): Promise<MergedModel> {
  const config = model.config;
  const specs = mergedParamSpecs(config, form);
  const host = await readLkHost(model);
  const merged = new Set<string>();
  for (let s = 0; s < 4; s++) {
    for (let b = 0; b < config.depths[s]!; b++) {
      for (const n of Object.values(mergedLkNames(config, s, b, form))) merged.add(n);
    }
  }
  const params = new Map<string, tf.Tensor>();
  const lkHost = new Map<string, Float32Array>();
  for (const spec of specs) {
    if (!merged.has(spec.name)) params.set(spec.name, tf.clone(getVar(model, spec.name)));
  }
  for (let s = 0; s < 4; s++) {
    const c = model.dims[s]!;
    for (let b = 0; b < config.depths[s]!; b++) {
      const lk = mergeBlock(model, host, s, b, form);
      const names = mergedLkNames(config, s, b, form);
      if (lk.form === "two-kernels") {
        params.set(names.tall!, tf.tensor4d(lk.tall, [lk.m, lk.n, c, 1]));
        params.set(names.wide!, tf.tensor4d(lk.wide, [lk.n, lk.m, c, 1]));
        lkHost.set(names.tall!, lk.tall);
        lkHost.set(names.wide!, lk.wide);
      } else {
        params.set(names.kernel!, tf.tensor4d(lk.kernel, [lk.k, lk.k, c, 1]));
        lkHost.set(names.kernel!, lk.kernel);
      }
      params.set(names.bias, tf.tensor1d(lk.bias));
    }
  }
  return { config, form, dims: [...model.dims], specs, params, lkHost };
}

function perm(spec: ParamSpec, toTorch: boolean): number[] | undefined {
  if (spec.kind === "conv" || spec.kind === "dwconv") return toTorch ? [3, 2, 0, 1] : [2, 3, 1, 0];
  if (spec.kind === "linear") return [1, 0];
  return undefined;
}

/** The merged model as a state_dict (PyTorch layouts, official order). */
export async function exportMergedStateDict(
  model: MergedModel,
): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const spec of model.specs) {
    const data = (await model.params.get(spec.name)!.data()) as Float32Array;
    const p = perm(spec, true);
    out.set(spec.name, {
      dtype: "float32",
      shape: [...spec.torchShape],
      data: p ? permute(data, spec.shape, p) : Float32Array.from(data),
    });
  }
  return out;
}

/** The merged form recorded in a weights file's metadata, or null for an unmerged file. */
export function mergedFormOf(
  weights: Pick<WeightsFile, "metadata">,
  source: string,
): MergedForm | null {
  const raw = weights.metadata[REPARAM_METADATA_KEY];
  if (raw === undefined) return null;
  let form: unknown;
  try {
    form = (JSON.parse(raw) as { form?: unknown }).form;
  } catch {
    throw new DataError(`${source}: metadata "${REPARAM_METADATA_KEY}" is not valid JSON`);
  }
  if (!MERGED_FORMS.includes(form as MergedForm)) {
    throw new DataError(
      `${source}: metadata "${REPARAM_METADATA_KEY}" has form ${JSON.stringify(form)}; ` +
        `expected one of ${MERGED_FORMS.join(", ")}`,
    );
  }
  return form as MergedForm;
}

/**
 * Checks that a merged state_dict fits `config` in `form` exactly (keys and PyTorch shapes);
 * throws a DataError naming the file, the keys and the expected shapes.
 */
export function checkMergedStateDict(
  config: ModelConfig,
  form: MergedForm,
  state: Map<string, HostTensor>,
  source: string,
): ParamSpec[] {
  const specs = mergedParamSpecs(config, form);
  const names = new Set(specs.map((s) => s.name));
  const missing = specs.filter((s) => !state.has(s.name)).map((s) => s.name);
  const extra = [...state.keys()].filter((k) => !names.has(k));
  const hint = `(merged ${form} model: arch ${config.arch}, kernelSizes [${config.kernelSizes}], ` +
    `smallKernel ${config.smallKernel}, lkMode ${config.lkMode}, depths [${config.depths}])`;
  const some = (a: string[]) =>
    a.slice(0, 5).map((k) => `"${k}"`).join(", ") +
    (a.length > 5 ? ` (+${a.length - 5} more)` : "");
  if (missing.length || extra.length) {
    const parts = [];
    if (missing.length) parts.push(`missing keys ${some(missing)}`);
    if (extra.length) parts.push(`unexpected keys ${some(extra)}`);
    throw new DataError(`Weights ${source} do not fit the model: ${parts.join("; ")} ${hint}`);
  }
  for (const spec of specs) {
    const t = state.get(spec.name)!;
    const same = t.shape.length === spec.torchShape.length &&
      t.shape.every((v, i) => v === spec.torchShape[i]);
    if (!same) {
      throw new DataError(
        `Weights ${source}: key "${spec.name}" has shape [${t.shape}], expected [${spec.torchShape}] ${hint}`,
      );
    }
  }
  return specs;
}

/** Builds a merged model from a merged state_dict (checked first). */
export function loadMergedModel(
  config: ModelConfig,
  form: MergedForm,
  state: Map<string, HostTensor>,
  source: string,
): MergedModel {
  const specs = checkMergedStateDict(config, form, state, source);
  const params = new Map<string, tf.Tensor>();
  const lkHost = new Map<string, Float32Array>();
  for (const spec of specs) {
    const t = state.get(spec.name)!;
    const p = perm(spec, false);
    const data = p ? permute(toFloat32(t), t.shape, p) : toFloat32(t);
    params.set(spec.name, tf.tensor(data, spec.shape, "float32"));
    if (spec.kind === "dwconv") lkHost.set(spec.name, data);
  }
  return { config, form, dims: dimsOf(config), specs, params, lkHost };
}

function dimsOf(config: ModelConfig): number[] {
  return config.dims.map((d) => Math.floor(d * config.widthFactor));
}

/** Writes a merged model as .safetensors with the model config and the form in the metadata. */
export async function writeMergedWeightsFile(
  path: string,
  model: MergedModel,
  extraMetadata: Record<string, string> = {},
): Promise<void> {
  const metadata = {
    format: "pt",
    ...extraMetadata,
    [MODEL_CONFIG_METADATA_KEY]: JSON.stringify(model.config),
    [REPARAM_METADATA_KEY]: JSON.stringify({ form: model.form }),
  };
  await writeFileAtomic(path, encodeSafetensors(await exportMergedStateDict(model), metadata));
}
