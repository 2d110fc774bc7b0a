/**
 * WebGPU kernel configs for the large depthwise trio: each kernelFunc picks a program variant by
 * shape and runs it through tfjs's WebGPU backend.
 *
 * @module
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { tf } from "../../tf.ts";
import { depthwiseGeometry } from "./geometry.ts";
import { DepthwiseForwardProgram } from "./webgpu_forward_program.ts";
import { backpropFilterPrograms } from "./webgpu_backprop_filter_program.ts";
import {
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
} from "./kernel_names.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];

function forward({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const g = depthwiseGeometry(x.shape, filter.shape);
  const b = backend as unknown as WebGPUBackend;
  return b.runWebGPUProgram(new DepthwiseForwardProgram(g, false), [x, filter], "float32");
}

function backpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as { inputShape: number[] };
  const g = depthwiseGeometry(inputShape, filter.shape);
  const b = backend as unknown as WebGPUBackend;
  return b.runWebGPUProgram(new DepthwiseForwardProgram(g, true), [dy, filter], "float32");
}

function backpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as { filterShape: number[] };
  const g = depthwiseGeometry(x.shape, filterShape);
  const b = backend as unknown as WebGPUBackend;
  const { partial, reduce } = backpropFilterPrograms(g);
  const partials = b.runWebGPUProgram(partial, [x, dy], "float32");
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
