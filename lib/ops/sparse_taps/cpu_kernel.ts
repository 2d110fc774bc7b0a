/**
 * CPU kernel config of the sparse-tap depthwise op, backed by the loops of cpu_forward.ts.
 *
 * @module
 */
import type { tf } from "../../tf.ts";
import { cpuBackend, f32 } from "../_cpu/backend.ts";
import { sparseTapDepthwiseCpu } from "./cpu_forward.ts";
import { SLAK_SPARSE_TAPS, type SparseTapAttrs } from "./kernel_names.ts";

function sparseTaps({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, bias } = inputs as Record<string, tf.TensorInfo>;
  const { taps } = attrs as unknown as SparseTapAttrs;
  const b = cpuBackend(backend);
  const y = sparseTapDepthwiseCpu(f32(b, x!), x!.shape, taps, f32(b, bias!));
  return b.makeTensorInfo(x!.shape.slice(), "float32", y);
}

/** Kernel config for the "cpu" backend. */
export const SPARSE_TAPS_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_SPARSE_TAPS, backendName: "cpu", kernelFunc: sparseTaps },
];
