/**
 * Semantic segmentation models: the official SLaK downstream backbone (multi-scale outputs through
 * norm0..norm3), mmsegmentation's UPerHead and auxiliary FCNHead, their loss, mmseg-compatible
 * weights I/O and the official sparse fine-tuning masks.
 *
 * @module
 */
export * from "./config.ts";
export * from "./param_specs.ts";
export * from "./seg_model.ts";
export * from "./backbone.ts";
export * from "./head_modules.ts";
export * from "./upernet.ts";
export * from "./fcn_head.ts";
export * from "./loss.ts";
export * from "./segmentor.ts";
export * from "./state_dict.ts";
export * from "./sparse.ts";
