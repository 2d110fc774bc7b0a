/**
 * Exact (erf) GELU, as `nn.GELU()` with its default `approximate='none'` (one fused op on cpu).
 *
 * @module
 */
import { geluExact } from "../ops/mod.ts";
import type { tf } from "../tf.ts";

/** `0.5 · x · (1 + erf(x / √2))`. */
export function gelu<T extends tf.Tensor>(x: T): T {
  return geluExact(x);
}
