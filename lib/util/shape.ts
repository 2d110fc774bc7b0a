/**
 * Shape arithmetic shared by the readers, the models and the sparsity toolkit.
 *
 * @module
 */

/**
 * Number of elements of a tensor of `shape`: the product of its sides (1 for a scalar `[]`).
 *
 * @example
 * ```ts
 * numel([2, 3, 4]); // 24
 * ```
 */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Exact number of elements of `shape` (BigInt: a product of sizes read from a file may pass 2^53). */
export function numelExact(shape: readonly number[]): bigint {
  let n = 1n;
  for (const d of shape) n *= BigInt(d);
  return n;
}
