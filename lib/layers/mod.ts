/**
 * Layers: functional building blocks over tfjs tensors (NHWC).
 *
 * @module
 */
export * from "./layer_norm.ts";
export * from "./batch_norm.ts";
export * from "./gelu.ts";
export * from "./drop_path.ts";
export * from "./large_kernel.ts";
export * from "./patchify_conv.ts";
export * from "./linear.ts";
