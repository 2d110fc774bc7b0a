/**
 * Custom ops: the large-kernel depthwise conv (our CPU and WebGPU kernels, with gradient), the
 * fused decomposed and sparse-tap inference ops, the fused cpu training ops, kernel registration
 * and backend selection.
 *
 * @module
 */
export {
  depthwiseFlops,
  type DepthwiseGeometry,
  depthwiseGeometry,
  type DepthwiseOptions,
  type DepthwiseProgramFamily,
  largeKernelDepthwiseBackpropFilter,
  largeKernelDepthwiseBackpropInput,
  largeKernelDepthwiseConv2d,
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
  wasmDepthwiseSupport,
} from "./large_depthwise/mod.ts";
export { fusedDecomposedDepthwise, SLAK_FUSED_DECOMPOSED } from "./fused_decomposed/mod.ts";
export {
  buildTapList,
  releaseTapList,
  SLAK_SPARSE_TAPS,
  sparseTapDepthwise,
  sparseTapDepthwiseCpu,
  sparseWorkRatio,
  tapDensity,
  type TapKernel,
  type TapList,
  type TapListOptions,
} from "./sparse_taps/mod.ts";
export { isCpuBackend } from "./_cpu/backend.ts";
export { setThreadCount, shutdownThreads, threadCount } from "./_threads/mod.ts";
export { fusedCpu, useFusedCpuOps } from "./_cpu/fused_switch.ts";
export { type OpsBackend, registerOps } from "./register_ops.ts";
export {
  type BackendName,
  type BackendSelection,
  hasWebGpuAdapter,
  initBackend,
  initBackendSelection,
  webGpuAdapterFacts,
} from "./backend.ts";
export {
  type AdapterFacts,
  adapterName,
  type AutoChoice,
  type AutoReason,
  chooseAutoBackend,
  describeAutoChoice,
  softwareAdapterEvidence,
} from "./backend_choice.ts";
export { matMul2d, MATMUL_CPU_KERNELS, SLAK_MATMUL } from "./matmul/mod.ts";
export { LAYER_NORM_CPU_KERNELS, layerNormLastAxis, SLAK_LAYER_NORM } from "./layer_norm/mod.ts";
export { GELU_CPU_KERNELS, geluExact, SLAK_GELU } from "./gelu/mod.ts";
export {
  BATCH_NORM_CPU_KERNELS,
  batchMoments,
  batchNormTrain,
  SLAK_BN_TRAIN,
} from "./batch_norm/mod.ts";
export {
  CHANNEL_AFFINE_CPU_KERNELS,
  channelAffine,
  SLAK_CHANNEL_AFFINE,
} from "./channel_affine/mod.ts";
export { ADAMW_CPU_KERNELS, type AdamWStep, adamwUpdate, SLAK_ADAMW } from "./adamw/mod.ts";
export {
  addSame,
  FUSED_ADD_CPU_KERNELS,
  scaledResidualAdd,
  SLAK_ADD_SAME,
  SLAK_SCALED_ADD,
} from "./fused_add/mod.ts";
export { PATCHES_CPU_KERNELS, patchesOf, SLAK_PATCHES } from "./patchify/mod.ts";
