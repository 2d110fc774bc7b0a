/**
 * WebGPU kernel config of the fused decomposed op.
 *
 * @module
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { tf } from "../../tf.ts";
import { depthwiseGeometry } from "../large_depthwise/geometry.ts";
import { FusedDecomposedProgram } from "./webgpu_program.ts";
import { DepthwiseLineProgram, lineProgramFits } from "../large_depthwise/webgpu_line_program.ts";
import { familyOf, prefersLinePrograms } from "../large_depthwise/program_family.ts";
import { kernelInputs } from "../kernel_inputs.ts";
import { FUSED_DECOMPOSED_INPUTS as INPUTS, SLAK_FUSED_DECOMPOSED } from "./kernel_names.ts";

/**
 * With the line program family (the `family` attr; "auto": software adapters, see
 * DepthwiseProgramFamily) and when both filters' long-axis lines fit the line program (maps up
 * to 64 along each filter's long axis: every SLaK stage at 224 px), runs two line programs, each along its own long axis
 * (tall filter down columns, wide filter along rows), the second adding the first's output and
 * the bias in its epilogue; one intermediate tensor, no separate add. Otherwise one pass of the
 * sliding-window fused program (both filters along W).
 */
function fused({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, kTall, kWide, bias } = kernelInputs(SLAK_FUSED_DECOMPOSED, inputs, INPUTS);
  const tall = depthwiseGeometry(x.shape, kTall.shape);
  const wide = depthwiseGeometry(x.shape, kWide.shape);
  const b = backend as unknown as WebGPUBackend;
  if (prefersLinePrograms(b, familyOf(attrs)) && lineProgramFits(tall) && lineProgramFits(wide)) {
    const first = b.runWebGPUProgram(
      new DepthwiseLineProgram(tall, false, { bias: true }),
      [x, kTall, bias],
      "float32",
    );
    const y = b.runWebGPUProgram(
      new DepthwiseLineProgram(wide, false, { addend: true }),
      [x, kWide, first],
      "float32",
    );
    b.disposeData(first.dataId);
    return y;
  }
  const program = new FusedDecomposedProgram(tall, wide);
  return b.runWebGPUProgram(program, [x, kTall, kWide, bias], "float32");
}

/** Kernel config for the "webgpu" backend. */
export const FUSED_DECOMPOSED_WEBGPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_FUSED_DECOMPOSED, backendName: "webgpu", kernelFunc: fused },
];
