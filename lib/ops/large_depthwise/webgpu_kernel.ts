/**
 * WebGPU kernel configs for the large depthwise trio: each kernelFunc picks a program variant by
 * shape and by the program family of its `family` attr, and runs it through tfjs's WebGPU
 * backend.
 *
 * @module
 */
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import type { tf } from "../../tf.ts";
import { type DepthwiseGeometry, depthwiseGeometry } from "./geometry.ts";
import { DepthwiseForwardProgram } from "./webgpu_forward_program.ts";
import { DepthwiseLineProgram, lineProgramFits } from "./webgpu_line_program.ts";
import {
  BackpropFilterPartialProgram,
  ReducePartialsProgram,
} from "./webgpu_backprop_filter_program.ts";
import { LineFilterPartialProgram } from "./webgpu_line_filter_program.ts";
import {
  SmallMapFilterPartialProgram,
  smallMapFits,
  SmallMapProgram,
} from "./webgpu_small_map_program.ts";
import {
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
} from "./kernel_names.ts";
import {
  type DepthwiseProgramFamily,
  familyOf,
  prefersLinePrograms,
  prefersStagedPrograms,
} from "./program_family.ts";
import { DepthwiseStagedProgram } from "./webgpu_staged_program.ts";
import { planStagedFilter, StagedFilterPartialProgram } from "./webgpu_staged_filter_program.ts";
import { MIN_WORKGROUP_STORAGE, planStaged } from "./webgpu_staged_plan.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Workgroup storage of the backend's device (bytes; the WebGPU minimum when unknown). */
export function workgroupStorageBytes(b: WebGPUBackend): number {
  const limits = (b as unknown as { device?: { limits?: GPUSupportedLimits } }).device?.limits;
  return limits?.maxComputeWorkgroupStorageSize ?? MIN_WORKGROUP_STORAGE;
}

/**
 * Forward / data-gradient program by family and shape: the staged family → the workgroup-memory
 * program; with the line family, small maps covered by the kernel → unrolled Toeplitz,
 * long-axis line <= 64 → unrolled line; otherwise (and with the tile family) the sliding-window
 * tile program.
 */
function convProgram(
  b: WebGPUBackend,
  g: DepthwiseGeometry,
  flip: boolean,
  family: DepthwiseProgramFamily,
): WebGPUProgram {
  if (prefersStagedPrograms(family)) {
    return new DepthwiseStagedProgram(g, flip, planStaged(g, workgroupStorageBytes(b)));
  }
  const line = prefersLinePrograms(b, family);
  if (line && smallMapFits(g)) return new SmallMapProgram(g, flip);
  if (line && lineProgramFits(g)) return new DepthwiseLineProgram(g, flip);
  return new DepthwiseForwardProgram(g, flip);
}

/** Filter-gradient pass-1 program by family and shape (same selection as {@link convProgram}). */
function filterPartialProgram(
  b: WebGPUBackend,
  g: DepthwiseGeometry,
  family: DepthwiseProgramFamily,
): WebGPUProgram & { chunks: number } {
  if (prefersStagedPrograms(family)) {
    return new StagedFilterPartialProgram(g, planStagedFilter(g, workgroupStorageBytes(b)));
  }
  const line = prefersLinePrograms(b, family);
  if (line && smallMapFits(g)) return new SmallMapFilterPartialProgram(g);
  if (line && lineProgramFits(g)) return new LineFilterPartialProgram(g);
  return new BackpropFilterPartialProgram(g);
}

/** conv(x, filter) (flip: with the 180°-rotated filter) with the program picked by shape. */
function runConv(
  b: WebGPUBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: DepthwiseGeometry,
  flip: boolean,
  family: DepthwiseProgramFamily,
): tf.TensorInfo {
  return b.runWebGPUProgram(convProgram(b, g, flip, family), [x, filter], "float32");
}

function forward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const g = depthwiseGeometry(x.shape, filter.shape);
  const b = backend as unknown as WebGPUBackend;
  return runConv(b, x, filter, g, false, familyOf(attrs));
}

function backpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as { inputShape: number[] };
  const g = depthwiseGeometry(inputShape, filter.shape);
  const b = backend as unknown as WebGPUBackend;
  return runConv(b, dy, filter, g, true, familyOf(attrs));
}

function backpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as { filterShape: number[] };
  const g = depthwiseGeometry(x.shape, filterShape);
  const b = backend as unknown as WebGPUBackend;
  return filterGradient(b, x, dy, g, filterShape, familyOf(attrs));
}

/** Both passes of the filter gradient (partial sums over chunks, then the fixed-order sum). */
function filterGradient(
  b: WebGPUBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: DepthwiseGeometry,
  filterShape: number[],
  family: DepthwiseProgramFamily,
): tf.TensorInfo {
  const partial = filterPartialProgram(b, g, family);
  const partials = b.runWebGPUProgram(partial, [x, dy], "float32");
  const reduce = new ReducePartialsProgram(filterShape, partial.chunks);
  const dw = b.runWebGPUProgram(reduce, [partials], "float32");
  b.disposeData(partials.dataId);
  return dw;
}

/** Kernel configs registering the trio for the "webgpu" backend. */
export const LARGE_DEPTHWISE_WEBGPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_DEPTHWISE, backendName: "webgpu", kernelFunc: forward },
  { kernelName: SLAK_DEPTHWISE_BACKPROP_INPUT, backendName: "webgpu", kernelFunc: backpropInput },
  {
    kernelName: SLAK_DEPTHWISE_BACKPROP_FILTER,
    backendName: "webgpu",
    kernelFunc: backpropFilter,
  },
];
