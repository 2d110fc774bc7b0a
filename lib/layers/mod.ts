/**
 * Layers: functional building blocks over tfjs tensors (NHWC).
 *
 * @module
 */
export * from "./layer_norm.ts";
export * from "./batch_norm.ts";
export * from "./gelu.ts";
export * from "./drop_path.ts";
export * from "./residual.ts";
export * from "./large_kernel.ts";
export * from "./patchify_conv.ts";
export * from "./linear.ts";
export * from "./axis_matrix.ts";
export * from "./resize_bilinear.ts";
export * from "./adaptive_avg_pool.ts";
export * from "./dropout2d.ts";
export * from "./conv_bn_relu.ts";
