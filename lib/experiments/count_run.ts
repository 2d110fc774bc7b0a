/**
 * Counting specs (kernel-efficiency): a run is `{model: {name, overrides}, inputSize}`; resolving
 * expands the model config, executing counts parameters and MACs and writes config.json and
 * result.json. No tensors are allocated.
 *
 * @module
 */
import { z } from "zod";
import { applySet, parseSet, validate } from "../config/layering.ts";
import type { ModelConfig } from "../config/model_config.ts";
import { countModel } from "../models/count.ts";
import { resolveModelConfigFrom, variantConfig } from "../models/resolve.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import type { Resolver } from "./plan.ts";
import type { Execute } from "./runner.ts";

/** A counting run's config as written in a spec. */
export const CountConfigSchema = z.strictObject({
  model: z.strictObject({
    name: z.string(),
    overrides: z.record(z.string(), z.unknown()).default({}),
  }),
  inputSize: z.tuple([z.int().min(32), z.int().min(32)]).default([224, 224]),
});

/** Resolves a counting config: validated, `--set` applied, model config expanded. */
export const resolveCountConfig: Resolver = (input, where, sets) => {
  let cur = validate(CountConfigSchema, input, where) as unknown as Record<string, unknown>;
  for (const s of sets) cur = applySet(cur, parseSet(s));
  const c = validate(CountConfigSchema, cur, where);
  const modelConfig = resolveModelConfigFrom(variantConfig(c.model.name), where, {
    overrides: c.model.overrides,
  });
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
