/**
 * Sparse-tap inference path for the large-kernel depthwise conv: per-channel lists of non-zero
 * taps, a CPU kernel and a WebGPU kernel (one channel per workgroup), and the cost rule that
 * decides when the sparse path beats the dense fused op.
 *
 * @module
 */
export {
  buildTapList,
  sparseWorkRatio,
  tapDensity,
  type TapKernel,
  type TapList,
  type TapListOptions,
} from "./tap_list.ts";
export { sparseTapDepthwiseCpu } from "./cpu.ts";
export {
  registerSparseTapOps,
  releaseTapList,
  SLAK_SPARSE_TAPS_CPU,
  sparseTapDepthwise,
} from "./op.ts";
export { SLAK_SPARSE_TAPS_WEBGPU, SparseTapProgram } from "./webgpu.ts";
