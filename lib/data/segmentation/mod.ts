/**
 * Segmentation data: ADE20K-format folders, the generated `seg_shapes` set, mmseg's pipelines,
 * sliding-window inference and the mIoU metrics.
 *
 * @module
 */
export * from "./types.ts";
export * from "./label_png.ts";
export * from "./ade20k.ts";
export * from "./resize.ts";
export * from "./hsv.ts";
export * from "./transforms.ts";
export * from "./pipeline.ts";
export * from "./sliding_window.ts";
export * from "./metrics.ts";
export * from "./generated.ts";
export * from "./dataset.ts";
