/**
 * Merged models as weight files: export to a state_dict (PyTorch layouts), the strict check and
 * load of a merged state_dict, and .safetensors files that carry the model config and the merged
 * form in their metadata ({@link REPARAM_METADATA_KEY}).
 *
 * @module
 */
import { type ModelConfig, stageDims } from "../config/model_config.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import { toFloat32 } from "../io/host_tensor.ts";
import { encodeSafetensors } from "../io/safetensors.ts";
import { tf } from "../tf.ts";
import { DataError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { checkKeysAndShapes } from "./key_check.ts";
import { permute, tfToTorch, torchToTf } from "./layout.ts";
import {
  MERGED_FORMS,
  type MergedForm,
  type MergedModel,
  mergedParamSpecs,
} from "./merged_form.ts";
import type { ParamSpec } from "./param_spec.ts";
import { MODEL_CONFIG_METADATA_KEY, type WeightsFile } from "./weights_file.ts";

/** Safetensors metadata key marking a re-parameterised file (JSON `{"form": ...}`). */
export const REPARAM_METADATA_KEY = "slak.reparam";

/** The merged model as a state_dict (PyTorch layouts, official order). */
export async function exportMergedStateDict(
  model: MergedModel,
): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const spec of model.specs) {
    const data = (await model.params.get(spec.name)!.data()) as Float32Array;
    const p = tfToTorch(spec.kind);
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
  const hint = `(merged ${form} model: arch ${config.arch}, kernelSizes [${config.kernelSizes}], ` +
    `smallKernel ${config.smallKernel}, lkMode ${config.lkMode}, depths [${config.depths}])`;
  checkKeysAndShapes(specs, state, source, hint);
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
    const p = torchToTf(spec.kind);
    const data = p ? permute(toFloat32(t), t.shape, p) : toFloat32(t);
    params.set(spec.name, tf.tensor(data, spec.shape, "float32"));
    if (spec.kind === "dwconv") lkHost.set(spec.name, data);
  }
  return { config, form, dims: stageDims(config), specs, params, lkHost };
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
