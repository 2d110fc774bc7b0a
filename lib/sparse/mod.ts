/**
 * Dynamic sparse training as in SLaK (sparse_core.py, funcs.py, model_sema.py): which weights
 * are masked, initial layer-wise densities (uniform, ERK, SNIP), exact-density random masks,
 * mask application, magnitude prune and random/gradient growth, the cosine prune-rate
 * schedule, the sparse-aware EMA, density accounting and mask (de)serialization.
 *
 * Typical use in a trainer:
 * ```ts
 * import { tf } from "../tf.ts";
 * import { Rng } from "../util/rng.ts";
 * const params = new Map([
 *   ["head.weight", tf.variable(tf.randomNormal([8, 10]))],
 *   ["head.bias", tf.variable(tf.zeros([10]))],
 * ]);
 * const shapes = pickShapes(shapesOf(params), maskableNames(shapesOf(params)));
 * const densities = densityStrategy("erk")({ shapes, density: 0.6 });
 * const rng = Rng.stream(0, "mask");
 * let masks = dropDenseMasks(initMasks(densities, shapes, rng)).masks;
 * let dev = maskTensors(masks, shapes);
 * applyMasks(params, dev);
 * const T = 10, u = 5;
 * for (let step = 1; step <= T; step++) {
 *   // ... optimizer step on the dense weights, then:
 *   applyMasks(params, dev);
 *   if (isUpdateStep(step, u, T)) {
 *     const rate = pruneRate(step, { initial: 0.5, totalSteps: T });
 *     const weights = await hostValues(params, masks.keys());
 *     masks = pruneAndGrow(masks, weights, { rate, growth: "random", rng }).masks;
 *     dev.forEach((t) => t.dispose());
 *     dev = maskTensors(masks, shapes);
 *     applyMasks(params, dev);
 *   }
 * }
 * ```
 *
 * @module
 */
export type { DensityMap, MaskMap, ShapeMap } from "./types.ts";
export { maskableNames, type MaskableOptions, pickShapes } from "./maskable.ts";
export {
  DENSITY_STRATEGIES,
  type DensityInput,
  type DensityStrategy,
  densityStrategy,
  erkDensities,
  snipDensities,
  SPARSE_INITS,
  type SparseInit,
  uniformDensities,
} from "./densities.ts";
export {
  activeCount,
  dropDenseMasks,
  initMasks,
  masksFromNonzero,
  sampleSubset,
} from "./init_masks.ts";
export {
  growGradient,
  growRandom,
  GROWTH_MODES,
  GROWTH_STRATEGIES,
  type GrowthInput,
  type GrowthMode,
  type GrowthStrategy,
  growthStrategy,
  type LayerUpdateStats,
  magnitudePrune,
  pruneAndGrow,
  pruneAndGrowLayer,
  type PruneGrowOptions,
} from "./prune_grow.ts";
export {
  FINAL_PRUNE_RATE,
  isUpdateStep,
  MIN_UPDATE_INTERVAL,
  PAPER_TOTAL_STEPS,
  pruneRate,
  type PruneRateSchedule,
  scaledUpdateInterval,
  updateSteps,
} from "./schedule.ts";
export { applyMasks, hostValues, maskTensors, shapesOf } from "./apply_masks.ts";
export { sparseEmaUpdate } from "./ema.ts";
export { countActive, densityByLayer, layerDensity, overallDensity } from "./density.ts";
export { deserializeMasks, packBits, serializeMasks, unpackBits } from "./serialize.ts";
