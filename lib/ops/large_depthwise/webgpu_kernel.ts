/**
 * WebGPU kernel configs for the large depthwise trio: each kernelFunc picks a program variant by
 * shape and runs it through tfjs's WebGPU backend.
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

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Program family for the WebGPU kernels:
 * - "line": whole lines (and small maps) per invocation, fully unrolled and compile-time
 *   clipped; maximises multiply-adds per load, which is what software adapters (Mesa
 *   llvmpipe/lavapipe, where every per-lane storage load costs ~50 fmas) need, but holds ~100+
 *   values per invocation, which would spill registers on a hardware GPU.
 * - "tile": register tile of R = 8 outputs with a sliding window (scalar channels).
 * - "auto" (default): "tile" on adapters whose vendor is a known hardware GPU vendor, "line"
 *   otherwise (software adapters, unknown vendors).
 */
export type DepthwiseProgramFamily = "auto" | "line" | "tile";

let family: DepthwiseProgramFamily = "auto";

/** Selects the program family for subsequent calls (benchmarks use this for A/B runs). */
export function setDepthwiseProgramFamily(f: DepthwiseProgramFamily): void {
  family = f;
}

// Vendor strings as Chrome reports them and PCI vendor ids as Deno/wgpu reports them
// (NVIDIA 0x10de, AMD 0x1002/0x1022, Intel 0x8086, ARM 0x13b5, Qualcomm 0x5143, Apple 0x106b).
const HARDWARE_VENDORS = new Set([
  "nvidia",
  "amd",
  "intel",
  "apple",
  "qualcomm",
  "arm",
  "imagination",
  "4318",
  "4098",
  "4130",
  "32902",
  "5045",
  "20803",
  "4203",
]);

/** Whether the line family is in effect on this backend (see {@link DepthwiseProgramFamily}). */
export function prefersLinePrograms(backend: WebGPUBackend): boolean {
  if (family !== "auto") return family === "line";
  const info = (backend as unknown as { adapterInfo?: { vendor?: string } }).adapterInfo;
  return !HARDWARE_VENDORS.has(String(info?.vendor ?? "").toLowerCase());
}

/**
 * Forward / data-gradient program by shape: with the line family, small maps covered by the
 * kernel → unrolled Toeplitz, long-axis line <= 64 → unrolled line; otherwise (and with the tile
 * family) the sliding-window tile program.
 */
function convProgram(g: DepthwiseGeometry, flip: boolean, line: boolean): WebGPUProgram {
  if (line && smallMapFits(g)) return new SmallMapProgram(g, flip);
  if (line && lineProgramFits(g)) return new DepthwiseLineProgram(g, flip);
  return new DepthwiseForwardProgram(g, flip);
}

/** Filter-gradient pass-1 program by shape (same selection as {@link convProgram}). */
function filterPartialProgram(
  g: DepthwiseGeometry,
  line: boolean,
): WebGPUProgram & { chunks: number } {
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
): tf.TensorInfo {
  return b.runWebGPUProgram(convProgram(g, flip, prefersLinePrograms(b)), [x, filter], "float32");
}

function forward({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const g = depthwiseGeometry(x.shape, filter.shape);
  return runConv(backend as unknown as WebGPUBackend, x, filter, g, false);
}

function backpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as { inputShape: number[] };
  const g = depthwiseGeometry(inputShape, filter.shape);
  return runConv(backend as unknown as WebGPUBackend, dy, filter, g, true);
}

function backpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as { filterShape: number[] };
  const g = depthwiseGeometry(x.shape, filterShape);
  const b = backend as unknown as WebGPUBackend;
  const line = prefersLinePrograms(b);
  return filterGradient(b, x, dy, g, filterShape, line);
}

/** Both passes of the filter gradient (partial sums over chunks, then the fixed-order sum). */
function filterGradient(
  b: WebGPUBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: DepthwiseGeometry,
  filterShape: number[],
  line: boolean,
): tf.TensorInfo {
  const partial = filterPartialProgram(g, line);
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
