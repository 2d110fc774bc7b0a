/**
 * CPU kernel of the fused decomposed op: two clipped depthwise passes into one buffer plus bias,
 * on the WebAssembly SIMD depthwise kernels (the input packed once per axis, the second pass and
 * the bias added while unpacking), or on the plain-JS loops where WebAssembly SIMD is unavailable.
 *
 * @module
 */
import type { tf } from "../../tf.ts";
import { depthwiseGeometry } from "../large_depthwise/geometry.ts";
import { depthwiseForwardCpu } from "../large_depthwise/cpu_forward.ts";
import { depthwiseSumWasm } from "../large_depthwise/wasm_depthwise.ts";
import { cpuBackend, f32 } from "../_cpu/backend.ts";
import { kernelInputs } from "../kernel_inputs.ts";
import { FUSED_DECOMPOSED_INPUTS as INPUTS, SLAK_FUSED_DECOMPOSED } from "./kernel_names.ts";

/** y = conv(x, kTall) + conv(x, kWide) + bias on NHWC typed arrays. */
export function fusedDecomposedCpu(
  x: Float32Array,
  xShape: readonly number[],
  kTall: Float32Array,
  tallShape: readonly number[],
  kWide: Float32Array,
  wideShape: readonly number[],
  bias: Float32Array,
): Float32Array {
  const tall = depthwiseGeometry(xShape, tallShape);
  const wide = depthwiseGeometry(xShape, wideShape);
  const fast = depthwiseSumWasm(x, [{ filter: kTall, g: tall }, { filter: kWide, g: wide }], bias);
  if (fast !== null) return fast;
  const y = depthwiseForwardCpu(x, kTall, tall);
  depthwiseForwardCpu(x, kWide, wide, y, true);
  const c = tall.c;
  for (let i = 0; i < y.length; i += c) {
    for (let j = 0; j < c; j++) y[i + j]! += bias[j]!;
  }
  return y;
}

function fused({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, kTall, kWide, bias } = kernelInputs(SLAK_FUSED_DECOMPOSED, inputs, INPUTS);
  const b = cpuBackend(backend);
  const y = fusedDecomposedCpu(
    f32(b, x),
    x.shape,
    f32(b, kTall),
    kTall.shape,
    f32(b, kWide),
    kWide.shape,
    f32(b, bias),
  );
  return b.makeTensorInfo(x.shape.slice(), "float32", y);
}

/** Kernel config for the "cpu" backend. */
export const FUSED_DECOMPOSED_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_FUSED_DECOMPOSED, backendName: "cpu", kernelFunc: fused },
];
