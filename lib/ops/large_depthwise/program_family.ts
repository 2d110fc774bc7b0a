/**
 * Which family of WGSL programs the depthwise kernels run: a per-call choice (the `family` attr
 * of the large depthwise and fused decomposed kernels), resolved against the adapter's vendor.
 *
 * @module
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";

/**
 * Program family for the WebGPU kernels:
 * - "line": whole lines (and small maps) per invocation, fully unrolled and compile-time
 *   clipped; maximises multiply-adds per load, which is what software adapters (Mesa
 *   llvmpipe/lavapipe, where every per-lane storage load costs ~50 fmas) need, but holds ~100+
 *   values per invocation, which would spill registers on a hardware GPU.
 * - "tile": register tile of R = 8 outputs with a sliding window (scalar channels).
 * - "staged": for hardware GPUs: the input tile and filter slice staged once per workgroup in
 *   `var<workgroup>` memory, R = 8 outputs per invocation in a register sliding window (scalar
 *   channels), for the forward, data-gradient and filter-gradient kernels (the fused
 *   decomposed op follows "auto").
 * - "auto" (default): "tile" on adapters whose vendor is a known hardware GPU vendor, "line"
 *   otherwise (software adapters, unknown vendors).
 */
export type DepthwiseProgramFamily = "auto" | "line" | "tile" | "staged";

/**
 * Options of the depthwise ops that have WebGPU kernels; the same field travels to the kernels
 * as the `family` attr.
 */
export interface DepthwiseOptions {
  /**
   * WebGPU program family (default "auto": picked by adapter). Ignored on the cpu backend;
   * passed on to the gradient kernels.
   */
  family?: DepthwiseProgramFamily;
}

// Vendor strings as Chrome reports them and PCI vendor ids as Deno/wgpu reports them
// (NVIDIA 0x10de, AMD 0x1002/0x1022, Intel 0x8086, ARM 0x13b5, Qualcomm 0x5143, Apple 0x106b).
const HARDWARE_VENDORS = new Set([
  "nvidia",
  "amd",
  "intel",
  "apple",
  "qualcomm",
  "arm",
  "imagination",
  "4318",
  "4098",
  "4130",
  "32902",
  "5045",
  "20803",
  "4203",
]);

/** The family that op options or a kernel's attrs ask for ("auto" when they name none). */
export function familyOf(attrs: unknown): DepthwiseProgramFamily {
  return (attrs as DepthwiseOptions | undefined)?.family ?? "auto";
}

/** The kernel attrs that carry the family of `opts`. */
export function familyAttrs(opts: DepthwiseOptions): { family: DepthwiseProgramFamily } {
  return { family: familyOf(opts) };
}

/**
 * Whether the line family is in effect for `family` on this backend ("auto", and "staged" for
 * the programs it has no variant of (the fused decomposed op): line unless the adapter's vendor is a known hardware
 * vendor; see {@link DepthwiseProgramFamily}).
 */
export function prefersLinePrograms(
  backend: WebGPUBackend,
  family: DepthwiseProgramFamily,
): boolean {
  if (family === "line" || family === "tile") return family === "line";
  const info = (backend as unknown as { adapterInfo?: { vendor?: string } }).adapterInfo;
  return !HARDWARE_VENDORS.has(String(info?.vendor ?? "").toLowerCase());
}

/** Whether the depthwise kernels run the staged (workgroup-memory) programs. */
export function prefersStagedPrograms(family: DepthwiseProgramFamily): boolean {
  return family === "staged";
}
