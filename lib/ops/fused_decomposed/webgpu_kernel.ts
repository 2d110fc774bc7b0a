/**
 * WebGPU kernel config of the fused decomposed op.
 *
 * @module
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { tf } from "../../tf.ts";
import { depthwiseGeometry } from "../large_depthwise/geometry.ts";
import { FusedDecomposedProgram } from "./webgpu_program.ts";
import { SLAK_FUSED_DECOMPOSED } from "./kernel_names.ts";

function fused({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, kTall, kWide, bias } = inputs as Record<string, tf.TensorInfo>;
  const program = new FusedDecomposedProgram(
    depthwiseGeometry(x.shape, kTall.shape),
    depthwiseGeometry(x.shape, kWide.shape),
  );
  const b = backend as unknown as WebGPUBackend;
  return b.runWebGPUProgram(program, [x, kTall, kWide, bias], "float32");
}

/** Kernel config for the "webgpu" backend. */
export const FUSED_DECOMPOSED_WEBGPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_FUSED_DECOMPOSED, backendName: "webgpu", kernelFunc: fused },
];
