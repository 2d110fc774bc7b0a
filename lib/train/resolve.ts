/**
 * Resolving a training config: file value ← `--set` overrides, validated strictly, with the model
 * config expanded from `model.name` + `model.overrides` and the data set's class and channel
 * counts filled in.
 *
 * @module
 */
import { applySet, parseSet, readConfigFile, validate } from "../config/layering.ts";
import type { ModelConfig } from "../config/model_config.ts";
import { channelsOf, type DataConfig } from "../data/config.ts";
import { resolveModelConfigFrom, variantConfig } from "../models/resolve.ts";
import { ConfigError, DataError } from "../util/errors.ts";
import { type TrainConfig, TrainConfigSchema } from "./config.ts";

/** A validated training config plus the fully resolved model config. */
export type ResolvedTrainConfig = TrainConfig & {
  /** The model config: registry defaults ← `model.overrides` ← data set shape. */
  modelConfig: ModelConfig;
};

/**
 * Number of classes and image channels of the data set a config describes, without loading it
 * (ImageFolder: the class folders under `train/` are counted).
 */
export function dataShape(data: DataConfig): { numClasses: number; inChannels: number } {
  const inChannels = channelsOf(data);
  switch (data.kind) {
    case "pathfinder":
      return { numClasses: 2, inChannels };
    case "fashion_mnist":
      return { numClasses: 10, inChannels };
    case "cifar":
      return { numClasses: data.variant, inChannels };
    case "imagefolder": {
      const dir = `${data.path}/train`;
      let n = 0;
      try {
        for (const e of Deno.readDirSync(dir)) if (e.isDirectory) n++;
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) {
          throw new DataError(`data.path: ImageFolder folder ${dir} not found`);
        }
        throw new DataError(`data.path: cannot read ${dir}: ${(e as Error).message}`);
      }
      if (n === 0) throw new DataError(`data.path: ${dir} has no class folders`);
      return { numClasses: n, inChannels };
    }
  }
}

const OVERRIDES = ["model", "overrides"];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validates a training config value (as read from a file), applies `--set path=value` overrides
 * (`--set model.overrides.kernelSizes=[7,7,7,7]` adds a model field, `--set data={kind: cifar, ...}`
 * replaces the data section; any other path must exist)
 * and resolves the model config. `numClasses` and `inChannels` come from the data set unless
 * overridden; an override that contradicts the data set is a ConfigError.
 *
 * @param input the parsed config file (a mapping)
 * @param where the file name (or another label) for error messages
 * @param sets `path=value` overrides, applied in order
 * @example
 * ```ts
 * const c = resolveTrainConfig({ model: { name: "slak_nano" }, data: { kind: "pathfinder" } },
 *   "inline", ["optimizer.lr=1e-3"]);
 * if (c.modelConfig.numClasses !== 2 || c.optimizer.lr !== 1e-3) throw new Error();
 * ```
 */
export function resolveTrainConfig(
  input: unknown,
  where: string,
  sets: readonly string[] = [],
): ResolvedTrainConfig {
  if (!isObject(input)) {
    throw new ConfigError(
      `${where}: a training config must be a mapping with sections model, data`,
    );
  }
  let cur = validate(TrainConfigSchema, input, where) as unknown as Record<string, unknown>;
  for (const text of sets) {
    const set = parseSet(text);
    const p = set.path;
    if (p.length === 1 && p[0] === "data" && isObject(set.value)) {
      // a whole data section replaces the old one (it may be of another kind)
      cur = { ...cur, data: set.value };
    } else if (p.length > 2 && p[0] === OVERRIDES[0] && p[1] === OVERRIDES[1]) {
      const root = structuredClone(cur);
      const model = root.model as Record<string, unknown>;
      const ov = { ...(model.overrides as Record<string, unknown>) };
      if (p.length !== 3) {
        throw new ConfigError(`--set "${text}": model overrides take one field name`);
      }
      ov[p[2]!] = set.value;
      model.overrides = ov;
      cur = root;
    } else {
      cur = applySet(cur, set);
    }
  }
  const src = sets.length ? `${where} with --set` : where;
  const config = validate(TrainConfigSchema, cur, src);
  const shape = dataShape(config.data);
  const ov = { ...config.model.overrides };
  for (const key of ["numClasses", "inChannels"] as const) {
    if (key in ov && ov[key] !== shape[key]) {
      throw new ConfigError(
        `${src}: model.overrides.${key} is ${
          JSON.stringify(ov[key])
        } but data set "${config.data.kind}" has ${shape[key]}; remove the override or set it to ${
          shape[key]
        }`,
      );
    }
    ov[key] = shape[key];
  }
  const modelConfig = resolveModelConfigFrom(
    variantConfig(config.model.name),
    `${src}: model "${config.model.name}" overrides`,
    { overrides: ov },
  );
  return { ...config, modelConfig };
}

/**
 * Reads a YAML/JSON training config file and resolves it ({@link resolveTrainConfig}).
 * @param path config file
 * @param sets `path=value` overrides
 */
export async function loadTrainConfig(
  path: string,
  sets: readonly string[] = [],
): Promise<ResolvedTrainConfig> {
  return resolveTrainConfig(await readConfigFile(path), path, sets);
}
