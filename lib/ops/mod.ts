/**
 * Custom ops: the large-kernel depthwise conv (our CPU and WebGPU kernels, with gradient), the
 * fused decomposed inference op, kernel registration and backend selection.
 *
 * @module
 */
export {
  depthwiseFlops,
  type DepthwiseGeometry,
  depthwiseGeometry,
  type DepthwiseProgramFamily,
  largeKernelDepthwiseBackpropFilter,
  largeKernelDepthwiseBackpropInput,
  largeKernelDepthwiseConv2d,
  setDepthwiseProgramFamily,
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
} from "./large_depthwise/mod.ts";
export { fusedDecomposedDepthwise, SLAK_FUSED_DECOMPOSED } from "./fused_decomposed/mod.ts";
export { type OpsBackend, registerOps } from "./register_ops.ts";
export { type BackendName, hasWebGpuAdapter, initBackend } from "./backend.ts";
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
