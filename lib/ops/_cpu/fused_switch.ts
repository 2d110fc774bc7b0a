/**
 * Whether the fused elementwise cpu kernels (GELU, the fused adds, patchify's space-to-depth and
 * the mask folded into AdamW) are used. On by default; turning them off gives the composite tfjs
 * ops they replace (the reference path of the model-level tests and of before/after timings).
 *
 * @module
 */
import { isCpuBackend } from "./backend.ts";

let enabled = true;

/** Turns the fused elementwise cpu kernels on (default) or off; returns the previous setting. */
export function useFusedCpuOps(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** True when the active backend is "cpu" and the fused elementwise kernels are on. */
export function fusedCpu(): boolean {
  return enabled && isCpuBackend();
}
