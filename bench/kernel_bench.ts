/**
 * Interleaved A/B benchmark of our depthwise kernels against tfjs's built-in ones, in one process
 * on the same input tensors and backend: A = tf.depthwiseConv2d and tfjs's two backprop kernels
 * (via engine().runKernel), B = our kernels. Correctness is checked (rel tol 1e-4) before timing.
 *
 * Timing: wall clock around each call until its output is read back (`await data()`), the
 * same for A and B. Rounds interleave A and B for every pass; medians and minima are reported.
 *
 * @module
 */
import { tf } from "../lib/tf.ts";
import {
  depthwiseFlops,
  depthwiseGeometry,
  type DepthwiseProgramFamily,
  largeKernelDepthwiseBackpropFilter,
  largeKernelDepthwiseBackpropInput,
  largeKernelDepthwiseConv2d,
} from "../lib/ops/mod.ts";
import type { BenchShape } from "./kernel_shapes.ts";

/** Passes measured per shape. */
export type Pass = "fwd" | "dx" | "dw";
export const PASSES: readonly Pass[] = ["fwd", "dx", "dw"];

/** Timing of one pass for one implementation (ms). */
export interface Timing {
  median: number;
  min: number;
  samples: number[];
}

/** Result for one shape. */
export interface ShapeResult {
  id: string;
  shape: [number, number, number, number];
  kernel: [number, number];
  target: boolean;
  /** Effective (in-image) FLOPs of one pass. */
  effectiveFlops: number;
  nominalFlops: number;
  /** Max |ours − tfjs| / max |tfjs| per pass. */
  relError: Record<Pass, number>;
  tfjs: Record<Pass, Timing>;
  ours: Record<Pass, Timing>;
}

/** Options of {@link runKernelBench}. */
export interface KernelBenchOptions {
  batch: number;
  rounds: number;
  shapes: BenchShape[];
  /** WebGPU program family of our kernels (default "auto"). */
  family?: DepthwiseProgramFamily;
  /** Progress lines (e.g. to stderr). */
  onProgress?: (line: string) => void;
}

const CONV_ATTRS = { strides: 1, pad: "same", dilations: 1 };

function implementations(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  family: DepthwiseProgramFamily,
): Record<"tfjs" | "ours", Record<Pass, () => tf.Tensor>> {
  return {
    tfjs: {
      fwd: () => tf.depthwiseConv2d(x, filter, 1, "same"),
      dx: () =>
        tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter }, {
          ...CONV_ATTRS,
          inputShape: x.shape,
        }) as tf.Tensor,
      dw: () =>
        tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, {
          ...CONV_ATTRS,
          filterShape: filter.shape,
        }) as tf.Tensor,
    },
    ours: {
      fwd: () => largeKernelDepthwiseConv2d(x, filter, { family }),
      dx: () => largeKernelDepthwiseBackpropInput(dy, filter, { family }),
      dw: () => largeKernelDepthwiseBackpropFilter(x, dy, filter.shape, { family }),
    },
  };
}

async function timeOnce(fn: () => tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const y = fn();
  await y.data();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
}

function summarize(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) throw new Error("kernel bench: no timing samples (rounds must be >= 1)");
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, samples };
}

function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let d = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return d / Math.max(scale, 1e-30);
}

/** Runs the benchmark on the current tfjs backend (our kernels must be registered). */
export async function runKernelBench(opts: KernelBenchOptions): Promise<ShapeResult[]> {
  const { batch, rounds, shapes, onProgress } = opts;
  const family = opts.family ?? "auto";
  const results: ShapeResult[] = [];
  for (const s of shapes) {
    const xShape: [number, number, number, number] = [batch, s.h, s.w, s.c];
    const x = tf.randomUniform(xShape, -1, 1, "float32", 1) as tf.Tensor4D;
    const filter = tf.randomUniform([s.kh, s.kw, s.c, 1], -1, 1, "float32", 2) as tf.Tensor4D;
    const dy = tf.randomUniform(xShape, -1, 1, "float32", 3) as tf.Tensor4D;
    const impl = implementations(x, filter, dy, family);
    const flops = depthwiseFlops(depthwiseGeometry(xShape, filter.shape));
    const relErrors = {} as Record<Pass, number>;
    for (const pass of PASSES) {
      onProgress?.(`${s.id} ${pass}: correctness check (also warms up)`);
      const a = impl.tfjs[pass]();
      const b = impl.ours[pass]();
      relErrors[pass] = relError(await b.data(), await a.data());
      tf.dispose([a, b]);
      if (!(relErrors[pass] <= 1e-4)) {
        throw new Error(`${s.id} ${pass}: ours differs from tfjs (rel error ${relErrors[pass]})`);
      }
      await timeOnce(impl.ours[pass]);
    }
    const samples = {
      tfjs: { fwd: [], dx: [], dw: [] } as Record<Pass, number[]>,
      ours: { fwd: [], dx: [], dw: [] } as Record<Pass, number[]>,
    };
    for (let r = 0; r < rounds; r++) {
      for (const pass of PASSES) {
        samples.tfjs[pass].push(await timeOnce(impl.tfjs[pass]));
        samples.ours[pass].push(await timeOnce(impl.ours[pass]));
      }
      onProgress?.(
        `${s.id} round ${r + 1}/${rounds}: ` +
          PASSES.map((p) => {
            // Round r's sample was pushed for every pass just above.
            const [t, o] = [samples.tfjs[p][r]!, samples.ours[p][r]!];
            return `${p} tfjs ${t.toFixed(1)} / ours ${o.toFixed(1)} ms`;
          }).join(", "),
      );
    }
    const timings = (k: "tfjs" | "ours") =>
      Object.fromEntries(PASSES.map((p) => [p, summarize(samples[k][p])])) as Record<Pass, Timing>;
    results.push({
      id: s.id,
      shape: xShape,
      kernel: [s.kh, s.kw],
      target: s.target,
      effectiveFlops: flops.effective,
      nominalFlops: flops.nominal,
      relError: relErrors,
      tfjs: timings("tfjs"),
      ours: timings("ours"),
    });
    tf.dispose([x, filter, dy]);
  }
  return results;
}
