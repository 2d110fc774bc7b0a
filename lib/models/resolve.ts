/**
 * Resolving a model config: a base (a registry variant, or the config stored with some weights)
 * with overrides layered over it strictly (every field must exist: the model config has no open
 * paths), validated, in canonical key order. {@link resolveModel} is the one resolver; the other
 * functions only gather its overrides from names, files and flags.
 *
 * @module
 */
import {
  applyOverrides,
  fileOverride,
  layerLabel,
  type OpenPaths,
  type Override,
  type OverrideInput,
  overridesOf,
  readConfigFile,
  toOverrides,
  validate,
} from "../config/layering.ts";
import {
  canonicalModelConfig,
  type ModelConfig,
  ModelConfigSchema,
} from "../config/model_config.ts";
import { choices, ConfigError } from "../util/errors.ts";
import { MODEL_NAMES, MODEL_VARIANTS } from "./variants.ts";

/** The model config has no free-form sections: every override must name an existing field. */
export const MODEL_OPEN_PATHS: OpenPaths = [];

/** Options of {@link resolveModelConfig}. */
export interface ResolveOptions {
  /** Overrides as an object of fields (applied before `sets`). */
  overrides?: Record<string, unknown> | undefined;
  /** `path=value` overrides, applied in order after `overrides`. */
  sets?: readonly string[] | undefined;
}

/** Options of {@link resolveModelConfigWithFile}: {@link ResolveOptions} plus a file. */
export interface ResolveFileOptions extends ResolveOptions {
  /** A YAML/JSON file of model fields layered over the base first. */
  configFile?: string | undefined;
}

/** The registry config of `name`, or a ConfigError listing the valid names. */
export function variantConfig(name: string): ModelConfig {
  const v = MODEL_VARIANTS[name];
  if (!v) {
    throw new ConfigError(`Unknown model "${name}"; valid models: ${choices(MODEL_NAMES)}`);
  }
  return structuredClone(v.config);
}

/**
 * The one model resolver: `base` ← overrides (in order), validated strictly, keys in canonical
 * order.
 * @param base the config the overrides change
 * @param overrides `--set` texts or parsed overrides
 * @param where label of error messages (e.g. `model slak_tiny`)
 * @example
 * ```ts
 * const c = resolveModel(variantConfig("slak_tiny"), ["sparsity=0"], "model slak_tiny");
 * if (c.sparsity !== 0) throw new Error();
 * ```
 */
export function resolveModel(
  base: ModelConfig,
  overrides: readonly OverrideInput[],
  where: string,
): ModelConfig {
  const list = toOverrides(overrides);
  const cur = applyOverrides(base as unknown as Record<string, unknown>, list, MODEL_OPEN_PATHS);
  return canonicalModelConfig(validate(ModelConfigSchema, cur, layerLabel(where, list)));
}

/** The overrides of {@link ResolveOptions}: the fields of `overrides`, then `sets`. */
export function optionOverrides(opts: ResolveOptions, where: string): Override[] {
  return [
    ...(opts.overrides ? overridesOf(opts.overrides, where) : []),
    ...toOverrides(opts.sets ?? []),
  ];
}

/**
 * The overrides of a model config file (read here; errors name it) followed by `sets`.
 * @param configFile a YAML/JSON file of model fields, or undefined for none
 * @param sets `path=value` overrides
 */
export async function fileAndSetOverrides(
  configFile: string | undefined,
  sets: readonly string[] = [],
): Promise<Override[]> {
  const file = configFile ? [fileOverride(await readConfigFile(configFile), configFile)] : [];
  return [...file, ...toOverrides(sets)];
}

/**
 * Registry defaults of `name` ← `overrides` ← `sets`, validated strictly.
 * @example
 * ```ts
 * const c = resolveModelConfig("slak_tiny", { sets: ["kernelSizes=[61,59,57,13]"] });
 * if (c.kernelSizes[0] !== 61) throw new Error();
 * ```
 */
export function resolveModelConfig(name: string, opts: ResolveOptions = {}): ModelConfig {
  const where = `model ${name}`;
  return resolveModel(variantConfig(name), optionOverrides(opts, where), where);
}

/** {@link resolveModelConfig} with `configFile` (if given) layered first. */
export async function resolveModelConfigWithFile(
  name: string,
  opts: ResolveFileOptions,
): Promise<ModelConfig> {
  const where = `model ${name}`;
  const base = variantConfig(name);
  const fromFile = await fileAndSetOverrides(opts.configFile, []);
  return resolveModel(base, [...fromFile, ...optionOverrides(opts, where)], where);
}
