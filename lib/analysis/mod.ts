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
export {
  colormap,
  type CompareLayout,
  compareLayout,
  type ComparePanel,
  comparePng,
  erfPng,
  fitText,
  type PlacedText,
  textWidth,
  unknownGlyphs,
} from "./heatmap_png.ts";
export {
  ERF_FILES,
  type ErfImages,
  type ErfMeasurement,
  imagesOfDataset,
  measureErf,
  type MeasureOptions,
  writeErf,
} from "./erf_measure.ts";
