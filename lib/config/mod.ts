/**
 * Configs: the model config schema and strict layering of files and `--set` overrides.
 *
 * @module
 */
export * from "./model_config.ts";
export * from "./layering.ts";
