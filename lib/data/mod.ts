/**
 * The data layer of `slak train`: data configs, data sets (Pathfinder, generated shapes,
 * Fashion-MNIST and its cluttered canvas variant, CIFAR-10/100, ImageFolder, `.npy` arrays) and the
 * seeded, resumable batch loader.
 *
 * @module
 */
export {
  CANVAS_SIZE_RANGE,
  CanvasSchema,
  channelsOf,
  CIFAR_SIDE,
  CifarConfigSchema,
  DATA_KINDS,
  DataConfigSchema,
  defaultNormalize,
  FASHION_MNIST_PATH,
  FASHION_MNIST_SIDE,
  FashionMnistConfigSchema,
  IMAGEFOLDER_SIZE_RANGE,
  ImageFolderConfigSchema,
  imageSideOf,
  NpyConfigSchema,
  PATHFINDER_SIZES,
  PathfinderConfigSchema,
  resolveDataConfig,
  SHAPES_SIZE_RANGE,
  ShapesConfigSchema,
} from "./config.ts";
export type {
  CanvasConfig,
  CifarConfig,
  DataConfig,
  DataConfigInput,
  FashionMnistConfig,
  ImageFolderConfig,
  ImageSide,
  NpyConfig,
  PathfinderConfig,
  ResolvedDataConfig,
  ShapesConfig,
} from "./config.ts";
export { checkDataSource } from "./preflight.ts";
export type {
  Augment,
  Batch,
  Dataset,
  LoaderState,
  Normalize,
  RawSample,
  Sample,
  Split,
} from "./types.ts";
export { SPLITS } from "./types.ts";
export { openDataset, type OpenOptions } from "./open_dataset.ts";
export { NPY_IMAGE_DTYPES, type NpyProbe, openNpy, probeNpy } from "./npy_dataset.ts";
export { batchesPerEpoch, Loader, type LoaderOptions, type LoaderStats } from "./loader.ts";
export {
  CONTOUR_LENGTH,
  type Difficulty,
  generatePathfinder,
  PATHFINDER_VERSION,
  type PathfinderImage,
  pathfinderSample,
} from "./pathfinder.ts";
export { PATHFINDER_GEOMETRY, type Point } from "./pathfinder_geometry.ts";
export { pathfinderCacheFile, type Progress } from "./pathfinder_dataset.ts";
export {
  generateShape,
  insideShape,
  SHAPE_EXTENT,
  type ShapeClass,
  type ShapeImage,
  type ShapeParams,
  SHAPES_CLASSES,
  SHAPES_VERSION,
  shapesSample,
} from "./shapes.ts";
export { type CanvasLayout, type CanvasSpec, drawLayout, renderCanvas } from "./cluttered.ts";
export { FASHION_MNIST_CLASSES } from "./fashion_mnist.ts";
export { CIFAR10_CLASSES, cifarFiles } from "./cifar.ts";
export { type IdxArray, parseIdx, readIdxFile } from "./idx.ts";
export { decodeImage, type RgbImage } from "./image_decode.ts";
export { resizeCenterCrop } from "./resize.ts";
export {
  type AxisTaps,
  pilAxisTaps,
  pilResize,
  RESAMPLE_FILTERS,
  type ResampleFilter,
} from "./pil_resize.ts";
export {
  centerCrop,
  DEFAULT_CROP_PCT,
  type EvalTransform,
  evalTransformImage,
  resizedSize,
  WARP_FROM_SIZE,
} from "./eval_transform.ts";
export { type EvalFolder, openEvalFolder } from "./eval_folder.ts";
export { type AugmentDraw, drawAugment, normalizeTable, writeImage } from "./augment.ts";
export type {
  BasicTrainTransform,
  PaperTrainTransform,
  RandAugmentSpec,
  RandomErasingConfig,
  RandomResizedCropConfig,
  TrainTransformConfig,
  TrainTransformInput,
} from "./config_types.ts";
export { PaperTrainTransformSchema, TrainTransformSchema } from "./config.ts";
export { decodeJpegRgb, type JpegDecoder, jpegDecoder } from "./image_decode.ts";
export { paperAugmentBytes, paperTrainInto } from "./transforms/paper.ts";
export { PAPER_RAND_AUGMENT, parseRandAugment } from "./transforms/rand_augment_spec.ts";
