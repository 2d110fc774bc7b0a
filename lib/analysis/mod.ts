/**
 * Analysis tools: the effective receptive field (measurement, area-ratio metric, heatmaps). (The
 * sparse-tap inference op lives with the other ops, in lib/ops/sparse_taps.)
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
