/**
 * WebGPU kernel config of the sparse-tap depthwise op: the layout pass (channel-major,
 * zero-padded copy of x), then the sparse-tap program over the cached device copy of the taps.
 *
 * @module
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { tf } from "../../tf.ts";
import { SLAK_SPARSE_TAPS, type SparseTapAttrs } from "./kernel_names.ts";
import {
  paddedWidth,
  type SparseTapGeometry,
  SparseTapLayoutProgram,
  SparseTapProgram,
} from "./webgpu_program.ts";
import { deviceTaps } from "./webgpu_taps.ts";

/** Outputs per WebGPU lane along W. */
const R = 4;

function sparseTaps({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, bias } = inputs as Record<string, tf.TensorInfo>;
  const { taps } = attrs as unknown as SparseTapAttrs;
  const [n, h, w, c] = x!.shape as [number, number, number, number];
  const g: SparseTapGeometry = { n, h, w, c, ph: taps.maxDy, pw: taps.maxDx, r: R };
  const b = backend as unknown as WebGPUBackend;
  const d = deviceTaps(b, taps, paddedWidth(g));
  const xp = b.runWebGPUProgram(new SparseTapLayoutProgram(g), [x!], "float32");
  const y = b.runWebGPUProgram(
    new SparseTapProgram(g),
    [xp, d.start, d.pos, d.tw, bias!],
    "float32",
  );
  b.disposeData(xp.dataId);
  return y;
}

/** Kernel config for the "webgpu" backend. */
export const SPARSE_TAPS_WEBGPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_SPARSE_TAPS, backendName: "webgpu", kernelFunc: sparseTaps },
];
