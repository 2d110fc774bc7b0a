/**
 * Experiments: ablation specs, their deterministic expansion into runs, sharding across engines,
 * the resumable lock-protected runner, and the merged experiment tables and plots.
 *
 * @module
 */
export * from "./spec.ts";
export * from "./hash.ts";
export * from "./plan.ts";
export * from "./shard.ts";
export * from "../util/lock.ts";
export * from "./layout.ts";
export * from "./plan_file.ts";
export * from "./runner.ts";
export * from "./collect.ts";
export * from "./aggregate.ts";
export * from "./format.ts";
export * from "./plot.ts";
export * from "./tables.ts";
export * from "./count_run.ts";
export * from "./kernel_map.ts";
export * from "./stats.ts";
export * from "./claims.ts";
export * from "./verdicts.ts";
export * from "./claims_format.ts";
export * from "./run_evals.ts";
export * from "./plateau.ts";
export * from "./curve.ts";
export * from "./curve_format.ts";
export * from "./curve_plot.ts";
export * from "./curve_files.ts";
