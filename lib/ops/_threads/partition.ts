/**
 * Fixed partitioning of a job's index range [0, total) into parts: the same parts whatever the
 * number of threads that end up running them, and each part owns its outputs, so results never
 * depend on the thread count.
 *
 * @module
 */

/** Start and end (exclusive) of part `i` of `parts` near-equal contiguous parts of [0, total). */
export function partRange(total: number, parts: number, i: number): [number, number] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  const start = i * base + Math.min(i, extra);
  return [start, start + base + (i < extra ? 1 : 0)];
}

/** How many parts a job of `total` indices gets with `threads` threads (at most 4 per thread). */
export function partCount(total: number, threads: number): number {
  return Math.max(1, Math.min(total, 4 * threads, MAX_PARTS));
}

/** Most parts one job may have (the claim word keeps the part index in 12 bits). */
export const MAX_PARTS = 4095;
