/**
 * Initial masks at given layer-wise densities, and the official "dense layers are dropped" rule.
 *
 * @module
 */
import type { Rng } from "../util/rng.ts";
import { numel } from "../util/shape.ts";
import type { DensityMap, MaskMap, ShapeMap } from "./types.ts";

/**
 * `count` distinct positions of 0..n-1, uniformly at random (partial Fisher-Yates).
 * Consumes exactly `count` draws of `rng`.
 */
export function sampleSubset(n: number, count: number, rng: Rng): Int32Array {
  if (count < 0 || count > n) throw new RangeError(`sampleSubset: ${count} of ${n}`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p.subarray(0, count);
}

/** Number of active weights a layer of `numel` weights gets at `density`: round(density·numel). */
export function activeCount(numel: number, density: number): number {
  return Math.min(numel, Math.max(0, Math.round(density * numel)));
}

/**
 * Random masks with EXACTLY round(density·numel) active weights per layer, the positions
 * uniformly at random, layers drawn in the order of `densities`.
 *
 * Deliberate difference: the official code draws each position independently,
 * Bernoulli(density), so a layer's density is only right in expectation. Exact counts make
 * every run start from the configured layer-wise densities and keep seeded runs comparable.
 *
 * @param densities density per layer (from a {@link DensityStrategy})
 * @param shapes weight shapes (must contain every name of `densities`)
 * @param rng the "mask" stream
 * @returns one 0/1 mask per layer
 * @example
 * ```ts
 * import { Rng } from "../util/rng.ts";
 * const m = initMasks(new Map([["w", 0.5]]), new Map([["w", [4, 4]]]), Rng.stream(0, "mask"));
 * // m.get("w") has exactly 8 ones
 * ```
 */
export function initMasks(densities: DensityMap, shapes: ShapeMap, rng: Rng): MaskMap {
  const out: MaskMap = new Map();
  for (const [name, d] of densities) {
    const shape = shapes.get(name);
    if (shape === undefined) throw new RangeError(`initMasks: no shape for "${name}"`);
    if (!(d >= 0 && d <= 1)) throw new RangeError(`initMasks: density of "${name}" is ${d}`);
    const n = numel(shape);
    const k = activeCount(n, d);
    // Draw the smaller side: the active set, or its complement.
    const pickActive = k <= n - k;
    const mask = new Uint8Array(n).fill(pickActive ? 0 : 1);
    const picked = sampleSubset(n, pickActive ? k : n - k, rng);
    for (const i of picked) mask[i] = pickActive ? 1 : 0;
    out.set(name, mask);
  }
  return out;
}

/**
 * The official rule applied after initialisation: layers whose mask has density >= `threshold`
 * (0.99) are removed from the mask set and stay dense for the whole run.
 *
 * @param masks initial masks
 * @param threshold density at or above which a layer is dropped
 * @returns the remaining masks (same order) and the names dropped
 */
export function dropDenseMasks(
  masks: ReadonlyMap<string, Uint8Array>,
  threshold = 0.99,
): { masks: MaskMap; dropped: string[] } {
  const kept: MaskMap = new Map();
  const dropped: string[] = [];
  for (const [name, m] of masks) {
    let active = 0;
    for (let i = 0; i < m.length; i++) active += m[i]!;
    if (m.length > 0 && active / m.length >= threshold) dropped.push(name);
    else kept.set(name, m);
  }
  return { masks: kept, dropped };
}

/**
 * Masks read off the weights, mask = (w != 0) (official `--sparse_init resume`, for a sparse
 * checkpoint saved without masks).
 *
 * @param weights host copies of the weights to mask
 */
export function masksFromNonzero(weights: ReadonlyMap<string, Float32Array>): MaskMap {
  const out: MaskMap = new Map();
  for (const [name, w] of weights) {
    const m = new Uint8Array(w.length);
    for (let i = 0; i < w.length; i++) m[i] = w[i] !== 0 ? 1 : 0;
    out.set(name, m);
  }
  return out;
}
