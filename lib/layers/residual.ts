/**
 * The residual connection of a block with drop path folded in: `x + scale[n]·branch` in one op
 * (../ops/fused_add), the same values as `x + dropPath(branch)` and the same rng draws.
 *
 * @module
 */
import { scaledResidualAdd } from "../ops/mod.ts";
import type { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";
import { dropPathScales } from "./drop_path.ts";

/**
 * x + dropPath(branch, rate): with `rate` > 0, one draw of `rng` per sample (required then); with
 * `rate` ≤ 0 (or at inference: pass 0) a plain fused add.
 */
export function residualDropPath<T extends tf.Tensor>(
  x: T,
  branch: T,
  rate: number,
  rng: Rng | undefined,
): T {
  if (rate > 0 && rng === undefined) throw new Error("residualDropPath(): drop path needs an rng");
  const scales = rate > 0 ? dropPathScales(x.shape[0]!, rate, rng!) : null;
  return scaledResidualAdd(x, branch, scales);
}
