/**
 * Before/after benchmark of the cpu backend's large-kernel depthwise kernels: the plain-JS loops
 * (cpu_forward.ts / cpu_backprop_filter.ts, float64 accumulators) against the WebAssembly SIMD
 * kernels (wasm_depthwise.ts), on the same host arrays, one thread, rounds interleaved. Each call
 * is timed whole (staging copies, regrouping and the fresh output array included), as the tfjs
 * kernels run it. Prints a markdown table with the load average before and after.
 *
 * Run: `deno run -A bench/depthwise_cpu_bench.ts [--batch 1] [--rounds 5] [--shapes k51x5,...]`
 * (shapes as `slak bench kernels --shapes`, from bench/kernel_shapes.ts).
 *
 * @module
 */
import { depthwiseFlops, type DepthwiseGeometry, depthwiseGeometry } from "../lib/ops/mod.ts";
import {
  depthwiseBackpropInputCpu,
  depthwiseForwardCpu,
} from "../lib/ops/large_depthwise/cpu_forward.ts";
import { depthwiseBackpropFilterCpu } from "../lib/ops/large_depthwise/cpu_backprop_filter.ts";
import {
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  depthwiseForwardWasm,
  wasmDepthwiseSupport,
} from "../lib/ops/large_depthwise/wasm_depthwise.ts";
import { type BenchShape, selectShapes } from "./kernel_shapes.ts";

/** The three passes of one conv. */
export type DepthwisePass = "fwd" | "dx" | "dw";

type Kernel = (a: Float32Array, b: Float32Array, g: DepthwiseGeometry) => Float32Array | null;

const KERNELS: Record<"js" | "wasm", Record<DepthwisePass, Kernel>> = {
  js: { fwd: depthwiseForwardCpu, dx: depthwiseBackpropInputCpu, dw: depthwiseBackpropFilterCpu },
  wasm: {
    fwd: (x, f, g) => depthwiseForwardWasm(x, f, g),
    dx: (dy, f, g) => depthwiseBackpropInputWasm(dy, f, g),
    dw: depthwiseBackpropFilterWasm,
  },
};

/** Median and minimum of one pass (ms) for one implementation. */
export interface PassTiming {
  /** Median over the rounds (ms). */
  median: number;
  /** Fastest round (ms). */
  min: number;
}

/** One row of the table. */
export interface DepthwiseBenchRow {
  /** "[N,H,W,C] khxkw". */
  id: string;
  /** Which pass. */
  pass: DepthwisePass;
  /** Effective (in-image) FLOPs of the pass. */
  effectiveFlops: number;
  /** The plain-JS kernels. */
  js: PassTiming;
  /** The WebAssembly SIMD kernels. */
  wasm: PassTiming;
  /** max |wasm − js| / max |js|. */
  relError: number;
}

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

function timing(samples: number[]): PassTiming {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]! };
}

function relError(got: Float32Array, want: Float32Array): number {
  let d = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return d / Math.max(scale, 1e-30);
}

function run(k: Kernel, a: Float32Array, b: Float32Array, g: DepthwiseGeometry): Float32Array {
  const out = k(a, b, g);
  if (out === null) throw new Error("depthwise bench: the wasm kernels are unavailable here");
  return out;
}

/** Times JS and wasm for every pass of one shape (one warm-up call each, then `rounds`). */
export function benchShape(s: BenchShape, batch: number, rounds: number): DepthwiseBenchRow[] {
  const g = depthwiseGeometry([batch, s.h, s.w, s.c], [s.kh, s.kw, s.c, 1]);
  const x = values(batch * s.h * s.w * s.c, 1);
  const dy = values(x.length, 2);
  const filter = values(s.kh * s.kw * s.c, 3);
  const operands: Record<DepthwisePass, [Float32Array, Float32Array]> = {
    fwd: [x, filter],
    dx: [dy, filter],
    dw: [x, dy],
  };
  const rows: DepthwiseBenchRow[] = [];
  for (const pass of ["fwd", "dx", "dw"] as const) {
    const [a, b] = operands[pass];
    const err = relError(run(KERNELS.wasm[pass], a, b, g), run(KERNELS.js[pass], a, b, g));
    const samples = { js: [] as number[], wasm: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const impl of ["js", "wasm"] as const) {
        const t0 = performance.now();
        run(KERNELS[impl][pass], a, b, g);
        samples[impl].push(performance.now() - t0);
      }
    }
    rows.push({
      id: `[${batch},${s.h},${s.w},${s.c}] ${s.kh}x${s.kw}`,
      pass,
      effectiveFlops: depthwiseFlops(g).effective,
      js: timing(samples.js),
      wasm: timing(samples.wasm),
      relError: err,
    });
  }
  return rows;
}

const gflops = (flops: number, ms: number) => (flops / ms / 1e6).toFixed(1);

/** The markdown table of {@link benchShape} rows. */
export function renderDepthwiseTable(rows: DepthwiseBenchRow[]): string {
  const head =
    "| shape [N,H,W,C] kernel | pass | JS ms (min) | wasm ms (min) | speedup (medians) | " +
    "JS eff. GFLOP/s | wasm eff. GFLOP/s | max rel. diff |";
  const lines = [head, "|---|---|---|---|---|---|---|---|"];
  for (const r of rows) {
    lines.push(
      `| ${r.id} | ${r.pass} | ${r.js.median.toFixed(1)} (${r.js.min.toFixed(1)}) | ` +
        `${r.wasm.median.toFixed(2)} (${r.wasm.min.toFixed(2)}) | ` +
        `${(r.js.median / r.wasm.median).toFixed(1)}x | ${
          gflops(r.effectiveFlops, r.js.median)
        } | ` +
        `${gflops(r.effectiveFlops, r.wasm.median)} | ${r.relError.toExponential(1)} |`,
    );
  }
  return lines.join("\n");
}

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1]! : fallback;
}

if (import.meta.main) {
  const batch = Number(flag("--batch", "1"));
  const rounds = Number(flag("--rounds", "5"));
  if (!(Number.isInteger(batch) && batch >= 1 && Number.isInteger(rounds) && rounds >= 1)) {
    console.error("usage: depthwise_cpu_bench.ts [--batch N>=1] [--rounds N>=1] [--shapes ids]");
    Deno.exit(64);
  }
  const shapes = selectShapes(flag("--shapes", ""));
  const load = () => Deno.loadavg().map((v) => v.toFixed(2)).join(" ");
  const support = wasmDepthwiseSupport();
  const before = load();
  const rows: DepthwiseBenchRow[] = [];
  for (const s of shapes) {
    console.error(`${s.id} ...`);
    rows.push(...benchShape(s, batch, rounds));
  }
  console.log(
    `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}) | wasm SIMD ${support.simd}, relaxed FMA ` +
      `${support.fma} | batch ${batch} | ${rounds} rounds, interleaved | 1 thread | load average ` +
      `(1/5/15 min) before ${before}, after ${load()}`,
  );
  console.log("");
  console.log(renderDepthwiseTable(rows));
}
