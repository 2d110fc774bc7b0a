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
 * safetensors metadata key {@link REPARAM_METADATA_KEY}. This file merges a whole model; one
 * block is merged by {@link mergeBlock}, files are read and written by `merged_weights.ts`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import {
  type MergedForm,
  mergedLkNames,
  type MergedModel,
  mergedParamSpecs,
} from "./merged_form.ts";
import { getVar, type Model } from "./model.ts";
import { mergeBlock } from "./reparam_block.ts";

/** Reads every large-kernel branch tensor of a model to the host (tfjs layouts, by name). */
export async function readLkHost(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const spec of model.specs) {
    if (!/[.](large_kernel|dwconv)[.]/.test(spec.name) || spec.kind === "bn_count") continue;
    out.set(spec.name, (await getVar(model, spec.name).data()) as Float32Array);
  }
  return out;
}

/**
 * Re-parameterises a model (BN folded, branches merged); the source model is left unchanged.
 *
 * @example The merged SLaK computes the same eval-mode logits
 * ```ts
 * import { initBackend } from "../ops/backend.ts";
 * import { tf } from "../tf.ts";
 * import { forward } from "./forward.ts";
 * import { forwardMerged } from "./merged_forward.ts";
 * import { buildModel } from "./model.ts";
 * import { reparameterize } from "./reparam.ts";
 * import { resolveModelConfig } from "./resolve.ts";
 *
 * await initBackend("cpu");
 * const config = resolveModelConfig("slak_nano", {
 *   overrides: { depths: [1, 1, 1, 1], dims: [8, 16, 32, 64], numClasses: 5 },
 * });
 * const model = buildModel(config, { seed: 0 });
 * const merged = await reparameterize(model, "two-kernels");
 * const x = tf.randomNormal([2, 64, 64, 3], 0, 1, "float32", 3) as tf.Tensor4D;
 * const a = forward(model, x, { training: false });
 * const b = forwardMerged(merged, x);
 * const err = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
 * if (!(err < 1e-4)) throw new Error(`max error ${err}`);
 * ```
 */
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
