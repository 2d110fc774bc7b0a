/**
 * Fast paths in front of tfjs-cpu's layout kernels `Transpose`, `Slice` and `SplitV` for dense
 * float32 / int32 / bool tensors: the same values (these kernels only move elements), computed by
 * walking contiguous runs instead of tfjs's per-element multi-index arithmetic. In a segmentation
 * training step these kernels took ~75 % of the time (the head's axis-matrix resizes transpose
 * NHWC maps; the gradient of its channel concat is a `SplitV` into channel ranges). Everything
 * else — other dtypes, and every call while the fused cpu ops or this path are off — goes to the
 * wrapped tfjs kernel, which stays the reference.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import { type FastPath, overrideCpuKernel } from "../_cpu/kernel_override.ts";
import { sliceArray } from "./slice.ts";
import { transposeArray } from "./transpose.ts";

export { sliceArray } from "./slice.ts";
export { stridesOf, transposeArray } from "./transpose.ts";

let enabled = true;
let taken = 0;

/** Turns the layout fast paths on (default) or off; returns the previous setting. */
export function useFastLayout(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** How many Transpose / Slice / SplitV calls took a fast path in this process (tests, profiling). */
export function fastLayoutCount(): number {
  return taken;
}

type Dense = Float32Array | Int32Array | Uint8Array;

/** The values of `t` when the fast paths apply to it (a dense numeric array), else undefined. */
function denseValues(args: Parameters<tf.KernelFunc>[0], t: tf.TensorInfo | undefined) {
  if (!enabled || !fusedCpu() || t === undefined) return undefined;
  if (t.dtype !== "float32" && t.dtype !== "int32" && t.dtype !== "bool") return undefined;
  const v = cpuBackend(args.backend).readSync(t.dataId);
  const dense = v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array;
  return dense && v.length === tf.util.sizeFromShape(t.shape) ? (v as Dense) : undefined;
}

function make(args: Parameters<tf.KernelFunc>[0], t: tf.TensorInfo, shape: number[], v: Dense) {
  return cpuBackend(args.backend).makeTensorInfo(shape, t.dtype, v);
}

const transposeFast: FastPath = (args) => {
  const x = (args.inputs as Record<string, tf.TensorInfo>).x;
  const v = denseValues(args, x);
  const perm = (args.attrs as { perm?: number[] } | undefined)?.perm;
  if (v === undefined || x === undefined || perm === undefined || perm.length !== x.shape.length) {
    return undefined;
  }
  taken++;
  return make(args, x, perm.map((p) => x.shape[p]!), transposeArray(v, x.shape, perm));
};

const sliceFast: FastPath = (args) => {
  const x = (args.inputs as Record<string, tf.TensorInfo>).x;
  const v = denseValues(args, x);
  if (v === undefined || x === undefined) return undefined;
  const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
  tf.slice_util.assertParamsValid(x, b, s);
  taken++;
  return make(args, x, s, sliceArray(v, x.shape, b, s));
};

/**
 * The sizes of a SplitV along a dimension of length `dim`, or undefined for the cases left to
 * tfjs's kernel (a `-1` entry, which tfjs resolves its own way, and anything invalid).
 */
function splitSizes(numOrSizeSplits: number | number[], dim: number): number[] | undefined {
  if (typeof numOrSizeSplits === "number") {
    if (numOrSizeSplits <= 0 || dim % numOrSizeSplits !== 0) return undefined;
    return new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
  }
  const ok = numOrSizeSplits.every((s) => Number.isInteger(s) && s >= 0) &&
    numOrSizeSplits.reduce((a, s) => a + s, 0) === dim;
  return ok ? numOrSizeSplits.slice() : undefined;
}

const splitVFast: FastPath = (args) => {
  const x = (args.inputs as Record<string, tf.TensorInfo>).x;
  const v = denseValues(args, x);
  if (v === undefined || x === undefined) return undefined;
  const attrs = args.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0]!;
  const sizes = splitSizes(attrs.numOrSizeSplits, x.shape[axis]!);
  if (sizes === undefined) return undefined;
  taken++;
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const part = make(args, x, size, sliceArray(v, x.shape, begin, size));
    begin[axis]! += s;
    return part;
  });
};

const MARKER = Symbol.for("slak.fastLayout");

/**
 * Puts the fast paths in front of the cpu backend's Transpose, Slice and SplitV kernels of the
 * toolkit's tfjs instance (idempotent; a no-op for kernels not registered).
 */
export function installFastLayout(): void {
  overrideCpuKernel("Transpose", transposeFast, MARKER);
  overrideCpuKernel("Slice", sliceFast, MARKER);
  overrideCpuKernel("SplitV", splitVFast, MARKER);
}
