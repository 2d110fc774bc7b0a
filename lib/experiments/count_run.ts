/**
 * Counting specs (kernel-efficiency): a run is `{model: {name, overrides}, inputSize}`; resolving
 * layers the spec's and `--set` overrides and expands the model config, executing counts
 * parameters and MACs and writes config.json and result.json. No tensors are allocated.
 *
 * @module
 */
import { z } from "zod";
import {
  applyOverrides,
  layerLabel,
  type OpenPaths,
  overridesOf,
  toOverrides,
  validate,
} from "../config/layering.ts";
import type { ModelConfig } from "../config/model_config.ts";
import { NamedOverridesSchema } from "../config/named.ts";
import { countModel } from "../models/count.ts";
import { resolveModel, variantConfig } from "../models/resolve.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import type { Resolver } from "./plan.ts";
import type { Execute } from "./runner.ts";

/** A counting run's config as written in a spec. */
export const CountConfigSchema = z.strictObject({
  model: NamedOverridesSchema,
  inputSize: z.tuple([z.int().min(32), z.int().min(32)]).default([224, 224]),
});

/** Free-form sections of a counting config: the model `overrides` map. */
export const COUNT_OPEN_PATHS: OpenPaths = ["model.overrides"];

/** Resolves a counting config: validated, overrides layered, model config expanded. */
export const resolveCountConfig: Resolver = (input, where, overrides) => {
  const list = toOverrides(overrides);
  const base = validate(CountConfigSchema, input, where) as unknown as Record<string, unknown>;
  const src = layerLabel(where, list);
  const c = validate(CountConfigSchema, applyOverrides(base, list, COUNT_OPEN_PATHS), src);
  const modelWhere = `${src}: model "${c.model.name}" overrides`;
  const modelConfig = resolveModel(
    variantConfig(c.model.name),
    overridesOf(c.model.overrides, modelWhere),
    modelWhere,
  );
  return { ...c, modelConfig };
};

/** Executes a counting run: config.json, then result.json with params and MACs. */
export const executeCount: Execute = async (run, ctx) => {
  const t0 = performance.now();
  const size = run.config.inputSize as [number, number];
  const count = countModel(run.config.modelConfig as ModelConfig, size);
  await writeJsonAtomic(`${ctx.outDir}/config.json`, run.config);
  await writeJsonAtomic(`${ctx.outDir}/meta.json`, ctx.meta);
  const result = {
    params: count.params,
    macs: count.macs,
    inputSize: size,
    wallSeconds: (performance.now() - t0) / 1000,
  };
  await writeJsonAtomic(`${ctx.outDir}/result.json`, result);
  return result;
};
