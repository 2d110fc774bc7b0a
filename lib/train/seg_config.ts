/**
 * Consistency of a training config's task with its data and options: segmentation data kinds go
 * with `task.kind: segmentation` and the classification kinds with classification; layer-wise lr
 * decay and the auxiliary head's input are checked for segmentation. Also builds the segmentation
 * model config of a resolved training config.
 *
 * @module
 */
import type { ModelConfig } from "../config/model_config.ts";
import { isSegData } from "../data/config.ts";
import { type SegModelConfig, validateSegConfig } from "../models/segmentation/config.ts";
import { IGNORE_INDEX } from "../data/segmentation/types.ts";
import { ConfigError } from "../util/errors.ts";
import { segTaskOf, type TrainConfig } from "./config.ts";

/**
 * Throws a ConfigError naming `where` and the field when the task does not fit the data kind or
 * the options (layer decay without segmentation, an auxiliary `inIndex` outside `outIndices`, a
 * sparse segmentation backbone without the `run.init` checkpoint its fixed masks come from).
 */
export function checkTaskFits(config: TrainConfig, model: ModelConfig, where: string): void {
  const task = segTaskOf(config);
  const segData = isSegData(config.data);
  if (task === null && segData) {
    throw new ConfigError(
      `${where}: data.kind "${config.data.kind}" holds label maps; set task.kind: segmentation`,
    );
  }
  if (task !== null && !segData) {
    throw new ConfigError(
      `${where}: task.kind segmentation needs a segmentation data set; allowed data.kind: ` +
        `seg_shapes, ade20k (got "${config.data.kind}")`,
    );
  }
  if (task === null && config.optimizer.layerDecay !== undefined) {
    throw new ConfigError(
      `${where}: optimizer.layerDecay applies to segmentation only; remove it or set ` +
        `task.kind: segmentation`,
    );
  }
  if (task !== null && model.sparsity > 0 && config.run.init === undefined) {
    throw new ConfigError(
      `${where}: model sparsity ${model.sparsity} in a segmentation run needs --init (run.init): ` +
        `its masks are rebuilt from the ImageNet checkpoint's zeros and kept fixed (official ` +
        `sparse=True); for a backbone trained from scratch set model.overrides.sparsity=0`,
    );
  }
  if (task !== null && task.aux !== null && task.aux.inIndex >= task.outIndices.length) {
    throw new ConfigError(
      `${where}: task.aux.inIndex ${task.aux.inIndex} is not an output; allowed values: 0..${
        task.outIndices.length - 1
      } (task.outIndices [${task.outIndices}])`,
    );
  }
}

/**
 * The segmentation model config of a resolved segmentation run: the resolved backbone, the task's
 * heads, the data set's class count and ignore index 255.
 */
export function segModelConfigOf(
  config: TrainConfig & { modelConfig: ModelConfig },
  where = "config",
): SegModelConfig {
  const task = segTaskOf(config);
  if (task === null) throw new Error("segModelConfigOf: not a segmentation config");
  return validateSegConfig({
    backbone: config.modelConfig,
    outIndices: task.outIndices,
    numClasses: config.modelConfig.numClasses,
    ignoreIndex: IGNORE_INDEX,
    head: task.head,
    aux: task.aux,
  }, where);
}
