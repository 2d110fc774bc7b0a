/**
 * Resolves a model config from a registry name, an optional config file and `--set` overrides.
 *
 * @module
 */
import { applySet, mergeStrict, parseSet, readConfigFile, validate } from "../config/layering.ts";
import {
  canonicalModelConfig,
  type ModelConfig,
  ModelConfigSchema,
} from "../config/model_config.ts";
import { choices, ConfigError } from "../util/errors.ts";
import { MODEL_NAMES, MODEL_VARIANTS } from "./variants.ts";

/** Options of {@link resolveModelConfig}. */
export interface ResolveOptions {
  /** A YAML/JSON file of model fields layered over the registry defaults. */
  configFile?: string | undefined;
  /** `path=value` overrides, applied in order after the file. */
  sets?: readonly string[] | undefined;
  /** Extra overrides as an object (layered after the file, before `sets`). */
  overrides?: Record<string, unknown> | undefined;
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
 * registry defaults ← config file ← overrides ← `--set`, validated strictly.
 * @example
 * ```ts
 * const c = resolveModelConfig("slak_tiny", { sets: ["kernelSizes=[61,59,57,13]"] });
 * if (c.kernelSizes[0] !== 61) throw new Error();
 * ```
 */
export function resolveModelConfig(name: string, opts: ResolveOptions = {}): ModelConfig {
  return resolveModelConfigFrom(variantConfig(name), `model ${name}`, {
    sets: opts.sets,
    overrides: opts.overrides,
  });
}

/** As {@link resolveModelConfig}, starting from an explicit base config. */
export function resolveModelConfigFrom(
  base: ModelConfig,
  where: string,
  opts: Omit<ResolveOptions, "configFile"> & {
    fileValue?: Record<string, unknown> | undefined;
    fileName?: string | undefined;
  },
): ModelConfig {
  let cur = base as unknown as Record<string, unknown>;
  if (opts.fileValue) cur = mergeStrict(cur, opts.fileValue, `config ${opts.fileName ?? "file"}`);
  if (opts.overrides) cur = mergeStrict(cur, opts.overrides, where);
  for (const s of opts.sets ?? []) cur = applySet(cur, parseSet(s));
  const src = opts.sets?.length ? `${where} with --set` : where;
  return canonicalModelConfig(validate(ModelConfigSchema, cur, src));
}

/** {@link resolveModelConfig} reading `configFile` first. */
export async function resolveModelConfigWithFile(
  name: string,
  opts: ResolveOptions,
): Promise<ModelConfig> {
  const base = variantConfig(name);
  const fileValue = opts.configFile ? await readConfigFile(opts.configFile) : undefined;
  return resolveModelConfigFrom(base, `model ${name}`, {
    ...opts,
    fileValue,
    fileName: opts.configFile,
  });
}
