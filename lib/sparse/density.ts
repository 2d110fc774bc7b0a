/**
 * Density accounting (official `print_nonzero_counts` and "Final sparsity level").
 *
 * @module
 */

/** Number of active (non-zero) entries of a mask. */
export function countActive(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}

/** Density of one layer: active / numel (0 for an empty mask). */
export function layerDensity(mask: Uint8Array): number {
  return mask.length === 0 ? 0 : countActive(mask) / mask.length;
}

/** Density per layer, in mask order (what metrics.jsonl logs). */
export function densityByLayer(masks: ReadonlyMap<string, Uint8Array>): Map<string, number> {
  return new Map([...masks].map(([n, m]) => [n, layerDensity(m)]));
}

/**
 * Overall density Σactive / Σnumel over the masked layers. Layers dropped from the mask set
 * (density >= 0.99, kept dense) can be counted in by passing their total size as `denseNumel`
 * (they count as fully active), giving the density over all maskable weights.
 *
 * @param masks host masks
 * @param denseNumel weights of maskable layers kept dense (default 0)
 * @example
 * ```ts
 * overallDensity(new Map([["a", new Uint8Array([1, 0, 1, 0])]])); // 0.5
 * ```
 */
export function overallDensity(masks: ReadonlyMap<string, Uint8Array>, denseNumel = 0): number {
  let active = denseNumel;
  let total = denseNumel;
  for (const m of masks.values()) {
    active += countActive(m);
    total += m.length;
  }
  return total === 0 ? 1 : active / total;
}
