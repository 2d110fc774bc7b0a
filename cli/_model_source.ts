/**
 * Resolving "which model" for commands that take weights: an explicit MODEL (registry name, with
 * --config and --set) or, without one, the model config stored in the weights file's metadata.
 *
 * @module
 */
import type { ModelConfig } from "../lib/config/model_config.ts";
import {
  fileAndSetOverrides,
  MODEL_CONFIG_METADATA_KEY,
  MODEL_NAMES,
  readWeightsFile,
  resolveModel,
  variantConfig,
  type WeightsFile,
} from "../lib/models/mod.ts";
import { choices, UserError } from "../lib/util/errors.ts";

/** Flags of commands that build a model for weights. */
export interface ModelSourceFlags {
  config?: string | undefined;
  set?: string[] | undefined;
  ema?: boolean | undefined;
}

/** Reads the weights and resolves the model config they belong to. */
export async function modelForWeights(
  model: string | undefined,
  weightsPath: string,
  flags: ModelSourceFlags,
): Promise<{ config: ModelConfig; weights: WeightsFile }> {
  const weights = await readWeightsFile(weightsPath, { entry: flags.ema ? "model_ema" : "auto" });
  let base: ModelConfig;
  let where: string;
  if (model !== undefined) {
    base = variantConfig(model);
    where = `model ${model}`;
  } else if (weights.config) {
    base = weights.config;
    where = `${weightsPath} metadata`;
  } else {
    throw new UserError(
      `No MODEL given and ${weightsPath} carries no model config (safetensors metadata ` +
        `"${MODEL_CONFIG_METADATA_KEY}"); name one of ${choices(MODEL_NAMES)}`,
    );
  }
  const config = resolveModel(base, await fileAndSetOverrides(flags.config, flags.set), where);
  return { config, weights };
}
