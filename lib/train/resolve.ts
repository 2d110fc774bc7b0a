/**
 * The one training-config resolver: the file's value (defaults filled) ← overrides (spec level
 * patches, `--set` flags) layered strictly outside the open paths `model.overrides` and `data`,
 * validated, with the model config expanded from `model.name` + `model.overrides`, the data set's
 * class and channel counts filled in, and the image size checked against the model.
 *
 * @module
 */
import {
  applyOverrides,
  layerLabel,
  type OverrideInput,
  overridesOf,
  readConfigFile,
  toOverrides,
  validate,
} from "../config/layering.ts";
import type { ModelConfig } from "../config/model_config.ts";
import { channelsOf, type DataConfig, imageSideOf } from "../data/config.ts";
import { probeNpy } from "../data/npy_dataset.ts";
import { SHAPES_CLASSES } from "../data/shapes.ts";
import { SEG_SHAPES_CLASSES } from "../data/segmentation/generated.ts";
import { stageMaps } from "../models/count.ts";
import { resolveModel, variantConfig } from "../models/resolve.ts";
import { ConfigError, DataError } from "../util/errors.ts";
import { isObject } from "../util/guards.ts";
import { TRAIN_OPEN_PATHS, type TrainConfig, TrainConfigSchema } from "./config.ts";
import { checkTaskFits } from "./seg_config.ts";

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
    case "shapes":
      return { numClasses: SHAPES_CLASSES.length, inChannels };
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
    case "npy":
      return { numClasses: probeNpy(data).numClasses, inChannels };
    case "seg_shapes":
      return {
        numClasses: data.labels === "foreground" ? 2 : SEG_SHAPES_CLASSES.length,
        inChannels,
      };
    case "ade20k":
      return { numClasses: data.numClasses, inChannels };
  }
}

/** Whether every stage of the network keeps at least one pixel of a `side × side` input. */
function inputFits(side: number): boolean {
  return stageMaps(side, side).every(([h, w]) => h >= 1 && w >= 1);
}

/**
 * The smallest input side the networks accept: the 4×4/4 stem and the three 2×2/2 downsamplings
 * each floor the map size, and the last stage needs at least one pixel (32).
 */
export function minInputSide(): number {
  let side = 1;
  while (!inputFits(side)) side++;
  return side;
}

/**
 * Checks that the images of `data` are large enough for the network; otherwise a ConfigError
 * naming the `data` field that decides the size and its allowed values.
 * @param data the data config
 * @param where label of the message (the config file)
 */
export function checkImageSize(data: DataConfig, where: string): void {
  const img = imageSideOf(data);
  if (inputFits(img.side)) return;
  const min = minInputSide();
  const s = img.setting;
  let allowed = "";
  if (s !== null) {
    const values = "min" in s.values
      ? `${Math.max(min, s.values.min)}..${s.values.max}`
      : s.values.filter(inputFits).join(", ");
    allowed = `; allowed: data.${s.field} ${values}`;
  }
  throw new ConfigError(
    `${where}: data.${img.field}: ${img.value} gives ${img.side}x${img.side} ${data.kind} images, ` +
      `smaller than the ${min}x${min} the model needs (a 4x4 stem, then three 2x2 ` +
      `downsamplings)${allowed}`,
  );
}

/**
 * Validates a training config value (as read from a file), layers overrides over it (spec
 * patches or `--set path=value` texts: `model.overrides.kernelSizes=[7,7,7,7]` adds a model field,
 * `data={kind: cifar, ...}` replaces the data section, any other path must exist) and resolves
 * the model config. `numClasses` and `inChannels` come from the data set unless overridden; an
 * override that contradicts the data set, or images too small for the model, is a ConfigError.
 *
 * @param input the parsed config file (a mapping)
 * @param where the file name (or another label) for error messages
 * @param overrides `path=value` texts or parsed overrides, applied in order
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
  overrides: readonly OverrideInput[] = [],
): ResolvedTrainConfig {
  if (!isObject(input)) {
    throw new ConfigError(
      `${where}: a training config must be a mapping with sections model, data`,
    );
  }
  const list = toOverrides(overrides);
  // A run folder's config.json (the resolved config) carries the derived `modelConfig`: it is
  // re-derived below and must agree, so that a run can be repeated from its own record.
  const { modelConfig: recorded, ...rest } = input;
  const base = validate(TrainConfigSchema, rest, where) as unknown as Record<string, unknown>;
  const src = layerLabel(where, list);
  const config = validate(TrainConfigSchema, applyOverrides(base, list, TRAIN_OPEN_PATHS), src);
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
  const modelWhere = `${src}: model "${config.model.name}" overrides`;
  const modelConfig = resolveModel(
    variantConfig(config.model.name),
    overridesOf(ov, modelWhere),
    modelWhere,
  );
  checkImageSize(config.data, src);
  checkTaskFits(config, modelConfig, src);
  const touchesModel = list.some((o) => o.path.length === 0 || o.path[0] === "model");
  if (recorded !== undefined && !touchesModel) checkRecordedModel(recorded, modelConfig, where);
  return { ...config, modelConfig };
}

/** The `modelConfig` recorded in a run's config.json must be the one its model section resolves to. */
function checkRecordedModel(recorded: unknown, derived: ModelConfig, where: string): void {
  const want: Record<string, unknown> = { ...derived };
  const differing = isObject(recorded)
    ? Object.keys({ ...recorded, ...want }).filter((k) =>
      JSON.stringify(recorded[k]) !== JSON.stringify(want[k])
    )
    : ["(not a mapping)"];
  if (differing.length > 0) {
    throw new ConfigError(
      `${where}: modelConfig (the recorded resolved model) differs from what model ` +
        `{name, overrides} resolves to in ${
          differing.join(", ")
        }; the registry defaults may have ` +
        `changed since the run: copy those fields into model.overrides, or delete modelConfig`,
    );
  }
}

/**
 * Reads a YAML/JSON training config file and resolves it ({@link resolveTrainConfig}).
 * @param path config file
 * @param sets `path=value` overrides
 */
export async function loadTrainConfig(
  path: string,
  sets: readonly OverrideInput[] = [],
): Promise<ResolvedTrainConfig> {
  return resolveTrainConfig(await readConfigFile(path), path, sets);
}
