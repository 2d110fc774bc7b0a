/**
 * `matMul2d(a, b, transposeA, transposeB)`: a 2-D matrix product used by the models' linear layers.
 * On the cpu backend it runs our kernel ("SlakMatMul": a WebAssembly SIMD micro-kernel, plain-JS
 * loops for tiny products or without WebAssembly SIMD), many times faster than tfjs-cpu's
 * BatchMatMul for the MLP shapes of ConvNeXt/SLaK blocks; elsewhere it is `tf.matMul`.
 * Differentiable (the gradient is two more products through the same op).
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32, isCpuBackend } from "../_cpu/backend.ts";
import { matmulCpu } from "./cpu_matmul.ts";

export { matmulCpu, matmulCpuScratch, usesWasmMatmul, WASM_MIN_MACS } from "./cpu_matmul.ts";
export { matmulJs } from "./js_matmul.ts";
export { matmulWasm, matmulWasmInPlace, WASM_BLOCK, wasmMatmulSupport } from "./wasm_matmul.ts";
export { clearPackedOperands, packedOperandStats, withConstantOperands } from "./packed_b_cache.ts";

/** Kernel name of the cpu matrix product. */
export const SLAK_MATMUL = "SlakMatMul";

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** op(a) · op(b) for 2-D tensors. */
export function matMul2d(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA = false,
  transposeB = false,
): tf.Tensor2D {
  if (!isCpuBackend()) return tf.matMul(a, b, transposeA, transposeB);
  const attrs: MatMulAttrs = { transposeA, transposeB };
  return tf.engine().runKernel(
    SLAK_MATMUL,
    { a, b } as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as tf.Tensor2D;
}

function cpuKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
  const cpu = cpuBackend(backend);
  const [a0, a1] = a.shape as [number, number];
  const [b0, b1] = b.shape as [number, number];
  const m = transposeA ? a1 : a0;
  const k = transposeA ? a0 : a1;
  const kb = transposeB ? b1 : b0;
  const n = transposeB ? b0 : b1;
  if (k !== kb) throw new Error(`matMul2d(): inner dimensions ${k} and ${kb} differ`);
  const c = matmulCpu(
    f32(cpu, a),
    f32(cpu, b),
    m,
    k,
    n,
    transposeA,
    transposeB,
  );
  return cpu.makeTensorInfo([m, n], "float32", c);
}

/** The cpu kernel config. */
export const MATMUL_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_MATMUL, backendName: "cpu", kernelFunc: cpuKernel as tf.KernelFunc },
];

/** Gradient: d(op(a)·op(b)) through the same op. */
export const MATMUL_GRAD: tf.GradConfig = {
  kernelName: SLAK_MATMUL,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor2D, tf.Tensor2D];
    const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
    const g = dy as tf.Tensor2D;
    if (!transposeA && !transposeB) {
      return { a: () => matMul2d(g, b, false, true), b: () => matMul2d(a, g, true, false) };
    }
    if (!transposeA && transposeB) {
      return { a: () => matMul2d(g, b, false, false), b: () => matMul2d(g, a, true, false) };
    }
    if (transposeA && !transposeB) {
      return { a: () => matMul2d(b, g, false, true), b: () => matMul2d(a, g, false, false) };
    }
    return { a: () => matMul2d(b, g, true, true), b: () => matMul2d(g, a, true, true) };
  },
};
