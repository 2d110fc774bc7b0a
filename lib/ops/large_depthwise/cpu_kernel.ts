/**
 * CPU kernel configs for the large depthwise trio: the WebAssembly SIMD kernels of
 * wasm_depthwise.ts, or, where WebAssembly SIMD is unavailable (or the operands do not fit a
 * 32-bit wasm memory), the plain-JS typed-array loops of cpu_forward.ts / cpu_backprop_filter.ts.
 *
 * @module
 */
import type { tf } from "../../tf.ts";
import { cpuBackend, f32 } from "../_cpu/backend.ts";
import { depthwiseGeometry } from "./geometry.ts";
import { depthwiseBackpropInputCpu, depthwiseForwardCpu } from "./cpu_forward.ts";
import { depthwiseBackpropFilterCpu } from "./cpu_backprop_filter.ts";
import {
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  depthwiseBackpropWasm,
  depthwiseForwardWasm,
} from "./wasm_depthwise.ts";
import {
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
  SLAK_DEPTHWISE_GRAD,
} from "./kernel_names.ts";

function forward({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const b = cpuBackend(backend);
  const g = depthwiseGeometry(x.shape, filter.shape);
  const [xv, fv] = [f32(b, x), f32(b, filter)];
  const y = depthwiseForwardWasm(xv, fv, g) ?? depthwiseForwardCpu(xv, fv, g);
  return b.makeTensorInfo(x.shape.slice(), "float32", y);
}

function backpropInput({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as { inputShape: number[] };
  const b = cpuBackend(backend);
  const g = depthwiseGeometry(inputShape, filter.shape);
  const [dyv, fv] = [f32(b, dy), f32(b, filter)];
  const dx = depthwiseBackpropInputWasm(dyv, fv, g) ?? depthwiseBackpropInputCpu(dyv, fv, g);
  return b.makeTensorInfo(inputShape.slice(), "float32", dx);
}

function backpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as { filterShape: number[] };
  const b = cpuBackend(backend);
  const g = depthwiseGeometry(x.shape, filterShape);
  const [xv, dyv] = [f32(b, x), f32(b, dy)];
  const dw = depthwiseBackpropFilterWasm(xv, dyv, g) ?? depthwiseBackpropFilterCpu(xv, dyv, g);
  return b.makeTensorInfo(filterShape.slice(), "float32", dw);
}

/**
 * dx and dW in one kernel: the wasm pair with dy packed once, else (no wasm, or the three planes
 * do not fit) what the two separate kernels give.
 */
function backprop({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { x, dy, filter } = inputs as {
    x: tf.TensorInfo;
    dy: tf.TensorInfo;
    filter: tf.TensorInfo;
  };
  const { filterShape } = attrs as unknown as { filterShape: number[] };
  const b = cpuBackend(backend);
  const g = depthwiseGeometry(x.shape, filterShape);
  const [xv, dyv, fv] = [f32(b, x), f32(b, dy), f32(b, filter)];
  const both = depthwiseBackpropWasm(xv, dyv, fv, g);
  const dx = both?.dx ?? depthwiseBackpropInputWasm(dyv, fv, g) ??
    depthwiseBackpropInputCpu(dyv, fv, g);
  const dw = both?.dw ?? depthwiseBackpropFilterWasm(xv, dyv, g) ??
    depthwiseBackpropFilterCpu(xv, dyv, g);
  return [
    b.makeTensorInfo(x.shape.slice(), "float32", dx),
    b.makeTensorInfo(filterShape.slice(), "float32", dw),
  ];
}

/** Kernel configs registering the trio (and the fused pair of gradients) for the "cpu" backend. */
export const LARGE_DEPTHWISE_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_DEPTHWISE, backendName: "cpu", kernelFunc: forward },
  { kernelName: SLAK_DEPTHWISE_BACKPROP_INPUT, backendName: "cpu", kernelFunc: backpropInput },
  { kernelName: SLAK_DEPTHWISE_BACKPROP_FILTER, backendName: "cpu", kernelFunc: backpropFilter },
  {
    kernelName: SLAK_DEPTHWISE_GRAD,
    backendName: "cpu",
    kernelFunc: backprop as unknown as tf.KernelFunc,
  },
];
