/**
 * Which parameters get a mask (official `Masking.add_module`).
 *
 * @module
 */
import type { ShapeMap } from "./types.ts";

/** Options of {@link maskableNames}. */
export interface MaskableOptions {
  /**
   * Restrict masks to the large-kernel branches (official `--only-L`, which matches names
   * containing `large_kernel.LoRA`). We also accept `large_kernel.lkb_origin`, the single large
   * kernel of dense-mode (non-decomposed) models, for which the official option would mask
   * nothing at all.
   */
  onlyLargeKernel?: boolean;
}

const LARGE_KERNEL_MARKERS = ["large_kernel.LoRA", "large_kernel.lkb_origin"] as const;

/**
 * Names of the maskable parameters, in the order of `shapes`: every weight with 2 or 4 dims
 * (1-D parameters - norms, biases, layer-scale gamma - stay dense).
 *
 * @param shapes parameter shapes by official state_dict name
 * @param opts see {@link MaskableOptions}
 * @returns the names to mask
 * @example
 * ```ts
 * const names = maskableNames(new Map([["head.weight", [8, 10]], ["head.bias", [10]]]));
 * // ["head.weight"]
 * ```
 */
export function maskableNames(shapes: ShapeMap, opts: MaskableOptions = {}): string[] {
  const out: string[] = [];
  for (const [name, shape] of shapes) {
    if (shape.length !== 2 && shape.length !== 4) continue;
    if (opts.onlyLargeKernel && !LARGE_KERNEL_MARKERS.some((m) => name.includes(m))) continue;
    out.push(name);
  }
  return out;
}

/** The sub-map of `shapes` restricted to `names` (in the order of `names`). */
export function pickShapes(shapes: ShapeMap, names: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const n of names) {
    const s = shapes.get(n);
    if (s === undefined) throw new RangeError(`pickShapes: no parameter named "${n}"`);
    out.set(n, [...s]);
  }
  return out;
}
