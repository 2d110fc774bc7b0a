/**
 * One topology update of dynamic sparse training (official `Masking.truncate_weights` with
 * `magnitude_prune` and the growth functions of funcs.py), per layer, no redistribution.
 *
 * Weight values are not touched here. The caller applies the new masks right away
 * (`applyMasks`), as the official code does, which gives the official value semantics:
 * - pruned weights become 0;
 * - newly grown weights (inactive before the update) are 0, because the previous mask
 *   application (after the optimizer step) already zeroed them;
 * - weights pruned and regrown in the same update keep their old value (the official code
 *   never zeroes them in between).
 *
 * @module
 */
import { choices, ConfigError } from "../util/errors.ts";
import type { Rng } from "../util/rng.ts";
import { smallestPositions } from "./_select.ts";
import { sampleSubset } from "./init_masks.ts";
import type { MaskMap } from "./types.ts";

/** Per-layer outcome of one update. */
export interface LayerUpdateStats {
  /** Active weights before the update. */
  active: number;
  /** Weights pruned, ceil(rate·active). */
  removed: number;
  /** Weights grown (always equal to `removed`). */
  grown: number;
  /** Grown positions that had just been pruned (they keep their old value). */
  regrown: number;
  /** Density after the update. */
  density: number;
}

function activePositions(mask: Uint8Array, want: 0 | 1): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === want) n++;
  const out = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === want) out[j++] = i;
  return out;
}

/**
 * Magnitude pruning: deactivates the ceil(rate·nActive) active weights of smallest |w| (ties:
 * lower index first). Official: sort |w| of the whole tensor and zero the mask at the
 * `nZeros + nRemove` smallest; identical whenever the active weights are non-zero.
 *
 * @param mask current 0/1 mask (not modified)
 * @param weight the layer's weights, same element order
 * @param rate fraction of active weights to prune, in [0, 1]
 * @returns the pruned mask and the pruned positions (ascending)
 */
export function magnitudePrune(
  mask: Uint8Array,
  weight: Float32Array,
  rate: number,
): { mask: Uint8Array; pruned: Int32Array } {
  if (mask.length !== weight.length) {
    throw new RangeError(
      `magnitudePrune: mask has ${mask.length} elements, weight ${weight.length}`,
    );
  }
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`magnitudePrune: rate ${rate} not in [0, 1]`);
  const active = activePositions(mask, 1);
  const nRemove = Math.ceil(rate * active.length);
  const out = mask.slice();
  if (nRemove === 0) return { mask: out, pruned: new Int32Array(0) };
  const keys = new Float32Array(active.length);
  for (let i = 0; i < active.length; i++) keys[i] = Math.abs(weight[active[i]!]!);
  const sel = smallestPositions(keys, nRemove);
  const pruned = new Int32Array(sel.length);
  for (let i = 0; i < sel.length; i++) {
    const p = active[sel[i]!]!;
    pruned[i] = p;
    out[p] = 0;
  }
  return { mask: out, pruned };
}

/** Inputs of a growth rule. */
export interface GrowthInput {
  /** The mask after pruning (positions with 0 are candidates, just-pruned ones included). */
  mask: Uint8Array;
  /** How many weights to grow (= the number pruned). */
  count: number;
  /** The "mask" stream (random growth). */
  rng: Rng;
  /** Dense gradient of the layer's weights from the last step (gradient growth). */
  grad?: Float32Array;
  /** Layer name, for error messages. */
  name: string;
}

/** A growth rule: returns the positions to activate, ascending, exactly `count` of them. */
export type GrowthStrategy = (input: GrowthInput) => Int32Array;

/**
 * Random growth: EXACTLY `count` positions drawn uniformly among all inactive ones (including
 * those just pruned).
 *
 * Deliberate difference: the official `random_growth` activates each inactive position
 * independently with probability count/nInactive, so the number grown is right only in
 * expectation and each layer's density random-walks over the run. Growing exactly the number
 * pruned keeps every layer's density exact (0.6 stays 0.6 after hundreds of updates) and keeps
 * seeded runs comparable with each other.
 */
export function growRandom({ mask, count, rng }: GrowthInput): Int32Array {
  const inactive = activePositions(mask, 0);
  const pick = sampleSubset(inactive.length, count, rng);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = inactive[pick[i]!]!;
  return out.sort();
}

/**
 * Gradient growth (RigL; official `gradient_growth`): the `count` inactive positions with the
 * largest |grad|, ties to the lower index. (Official: sorts |grad ⊙ (mask = 0)| over the whole
 * tensor, so when fewer than `count` inactive positions have a non-zero gradient it grows
 * fewer; we always grow exactly `count`.)
 */
export function growGradient({ mask, count, grad, name }: GrowthInput): Int32Array {
  if (grad === undefined) throw new RangeError(`gradient growth: no gradient for "${name}"`);
  if (grad.length !== mask.length) {
    throw new RangeError(`gradient growth: gradient of "${name}" has the wrong size`);
  }
  const inactive = activePositions(mask, 0);
  const keys = new Float32Array(inactive.length);
  for (let i = 0; i < inactive.length; i++) keys[i] = -Math.abs(grad[inactive[i]!]!);
  const sel = smallestPositions(keys, count);
  for (let i = 0; i < sel.length; i++) sel[i] = inactive[sel[i]!]!;
  return sel;
}

/** Growth rules by official `--growth` name. */
export const GROWTH_STRATEGIES = {
  random: growRandom,
  gradient: growGradient,
} as const satisfies Record<string, GrowthStrategy>;

/** Name of a growth rule. */
export type GrowthMode = keyof typeof GROWTH_STRATEGIES;

/** Names accepted by {@link growthStrategy}. */
export const GROWTH_MODES = Object.keys(GROWTH_STRATEGIES) as GrowthMode[];

/** The growth rule named `name`; a ConfigError listing the valid names otherwise. */
export function growthStrategy(name: string, field = "sparsity.growth"): GrowthStrategy {
  if (!(name in GROWTH_STRATEGIES)) {
    throw new ConfigError(`${field}: unknown value "${name}"; allowed: ${choices(GROWTH_MODES)}`);
  }
  return GROWTH_STRATEGIES[name as GrowthMode];
}

/** Options of {@link pruneAndGrow}. */
export interface PruneGrowOptions {
  /** Prune rate of this update (see `pruneRate`). */
  rate: number;
  /** Growth rule. */
  growth: GrowthMode;
  /** The "mask" stream; random growth draws from it, layer after layer in mask order. */
  rng: Rng;
  /** Dense gradients by layer (required for gradient growth). */
  grads?: ReadonlyMap<string, Float32Array>;
}

/**
 * Prune-and-grow of one layer: magnitude pruning of ceil(rate·active) weights, then growth of
 * exactly as many, so the active count (density) is unchanged.
 *
 * @param name layer name (errors, gradient lookup)
 * @param mask current mask (not modified)
 * @param weight the layer's current weights
 * @param opts rate, growth rule, rng, gradients
 */
export function pruneAndGrowLayer(
  name: string,
  mask: Uint8Array,
  weight: Float32Array,
  opts: PruneGrowOptions,
): { mask: Uint8Array; stats: LayerUpdateStats } {
  let before = 0;
  for (let i = 0; i < mask.length; i++) before += mask[i]!;
  const { mask: pruned, pruned: removedAt } = magnitudePrune(mask, weight, opts.rate);
  const grow = GROWTH_STRATEGIES[opts.growth];
  if (grow === undefined) throw new RangeError(`pruneAndGrow: unknown growth "${opts.growth}"`);
  const input: GrowthInput = { mask: pruned, count: removedAt.length, rng: opts.rng, name };
  const grad = opts.grads?.get(name);
  if (grad !== undefined) input.grad = grad;
  const grown = removedAt.length === 0 ? new Int32Array(0) : grow(input);
  let regrown = 0;
  for (const p of grown) {
    if (mask[p] === 1) regrown++;
    pruned[p] = 1;
  }
  return {
    mask: pruned,
    stats: {
      active: before,
      removed: removedAt.length,
      grown: grown.length,
      regrown,
      density: mask.length === 0 ? 0 : (before - removedAt.length + grown.length) / mask.length,
    },
  };
}

/**
 * One topology update over all masked layers, in mask order (official: prune every layer, then
 * grow every layer; equivalent here because layers are independent and growth is the only
 * consumer of the rng).
 *
 * @param masks current masks (not modified)
 * @param weights host copies of the masked weights (after the last mask application)
 * @param opts rate, growth rule, rng, gradients
 * @returns the new masks and per-layer statistics; apply the masks right after
 */
export function pruneAndGrow(
  masks: ReadonlyMap<string, Uint8Array>,
  weights: ReadonlyMap<string, Float32Array>,
  opts: PruneGrowOptions,
): { masks: MaskMap; stats: Map<string, LayerUpdateStats> } {
  const out: MaskMap = new Map();
  const stats = new Map<string, LayerUpdateStats>();
  for (const [name, mask] of masks) {
    const w = weights.get(name);
    if (w === undefined) throw new RangeError(`pruneAndGrow: no weights for "${name}"`);
    const r = pruneAndGrowLayer(name, mask, w, opts);
    out.set(name, r.mask);
    stats.set(name, r.stats);
  }
  return { masks: out, stats };
}
