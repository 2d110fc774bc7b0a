/**
 * Analysis and inference tools: the effective receptive field (measurement, area-ratio metric,
 * heatmaps) and the sparse-tap inference path of the large-kernel conv.
 *
 * @module
 */
export {
  accumulateErf,
  type AreaRatio,
  areaRatio,
  areaRatios,
  ERF_THRESHOLDS,
  type ErfAccumulator,
  erfAccumulator,
  erfBatchMaps,
  erfMean,
  logScaled,
} from "./erf.ts";
export { colormap, type ComparePanel, comparePng, erfPng } from "./heatmap_png.ts";
export * from "./sparse_taps/mod.ts";
