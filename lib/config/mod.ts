/**
 * Configs: the model config schema, the shared `{name, overrides}` shape, and the one layering
 * engine (files and `--set` overrides, strict outside declared open paths, zod issues as one line).
 *
 * @module
 */
export * from "./model_config.ts";
export * from "./named.ts";
export * from "./layering.ts";
export { describeIssue, fieldsAt } from "./issues.ts";
