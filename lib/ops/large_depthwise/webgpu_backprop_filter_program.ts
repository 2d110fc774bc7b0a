/**
 * WebGPU programs for the filter gradient, a deterministic two-pass reduction (WGSL has no float
 * atomics):
 *
 * 1. {@link BackpropFilterPartialProgram}: invocation x = channel, y = (tap fb along the short
 *    axis B, tile of R taps along the long axis A), z = chunk of (image, output line) pairs. Each
 *    invocation sums dy · x over the lines of its chunk, sliding an R-value input window along A
 *    (one x load and one dy load per R fmas), output positions clipped to the image, and writes
 *    R partial sums to partials[chunk, fh, fw, c].
 * 2. {@link ReducePartialsProgram}: dW[i] = Σ_chunk partials[chunk, i] in a fixed order.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { type AxisView, axisView, type DepthwiseGeometry } from "./geometry.ts";
import { declareAccumulators, edgeLoop, slidingLoop } from "./wgsl_snippets.ts";

/** Tuning knobs of the partial pass. */
export interface FilterTiling {
  /** Taps per invocation along the long axis. */
  r: number;
  /** Channel lanes per workgroup. */
  wx: number;
  /** (image, line) pairs per chunk. */
  linesPerChunk: number;
}

const TARGET_INVOCATIONS = 32768;

/** Picks R = min(8, kA) and enough chunks to give ~32k invocations. */
export function filterTiling(g: DepthwiseGeometry, v: AxisView): FilterTiling {
  const r = Math.max(1, Math.min(8, v.kA));
  let wx = 1;
  while (wx < Math.min(64, g.c)) wx *= 2;
  const perChunk = g.c * v.kB * Math.ceil(v.kA / r);
  const lines = g.n * v.lenB;
  const chunks = Math.max(1, Math.min(lines, Math.ceil(TARGET_INVOCATIONS / perChunk)));
  return { r, wx, linesPerChunk: Math.ceil(lines / chunks) };
}

/** Pass 1: partial sums over chunks of lines; inputs ["x", "dy"], output [chunks, kh·kw·C]. */
export class BackpropFilterPartialProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["x", "dy"];
  workgroupSize: [number, number, number];
  readonly chunks: number;
  private readonly g: DepthwiseGeometry;
  private readonly v: AxisView;
  private readonly t: FilterTiling;

  constructor(g: DepthwiseGeometry, tiling?: FilterTiling) {
    this.g = g;
    this.v = axisView(g);
    this.t = tiling ?? filterTiling(g, this.v);
    const { r, wx, linesPerChunk } = this.t;
    this.chunks = Math.ceil((g.n * this.v.lenB) / linesPerChunk);
    const total = g.kh * g.kw * g.c;
    this.outputShape = [this.chunks, total];
    this.dispatchLayout = { x: [1], y: [], z: [0] };
    this.workgroupSize = [wx, 1, 1];
    this.dispatch = [Math.ceil(g.c / wx), this.v.kB * Math.ceil(this.v.kA / r), this.chunks];
    this.shaderKey = `slakDwFilterPartial_${g.n}_${g.h}_${g.w}_${g.c}_${g.kh}_${g.kw}_` +
      `${this.v.alongH ? "H" : "W"}_${r}_${wx}_${linesPerChunk}`;
  }

  getUserCode(): string {
    const { g, v } = this;
    const { r, linesPerChunk } = this.t;
    const tilesT = Math.ceil(v.kA / r);
    const stores = Array.from(
      { length: r },
      (_, j) => `if (t0 + ${j} < KA) { result[pb + ${j} * WA] = a${j}; }`,
    ).join("\n");
    return `
    // dW partial sums: workgroup [${this.t.wx}, 1, 1] channels; R = ${r} taps per invocation
    // along ${v.alongH ? "H" : "W"}; ${linesPerChunk} (image, line) pairs per chunk.
    const LA = ${v.lenA};
    const LB = ${v.lenB};
    const KA = ${v.kA};
    const KB = ${v.kB};
    const PA = ${v.pA};
    const PB = ${v.pB};
    const SA = ${v.sA};
    const SB = ${v.sB};
    const SN = ${v.sN};
    const WA = ${v.wA};
    const WB = ${v.wB};
    const CH = ${g.c};
    const TILES_T = ${tilesT};
    const R = ${r};
    const LINES = ${g.n * v.lenB};
    const PER_CHUNK = ${linesPerChunk};
    const TOTAL = ${g.kh * g.kw * g.c};

    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let c = i32(globalId.x);
      let fb = i32(globalId.y) / TILES_T;
      let t0 = (i32(globalId.y) % TILES_T) * R;
      let chunk = i32(globalId.z);
      if (c >= CH) { return; }
      ${declareAccumulators(r)}
      let oHi = min(LA, LA + PA - t0);
      let oLo = max(0, PA - t0 - (R - 1));
      let oF0 = min(max(0, PA - t0), oHi);
      var oF1 = oF0;
      if (t0 + R <= KA) { oF1 = max(oF0, min(LA, LA + PA - t0 - R + 1)); }
      let line1 = min(LINES, (chunk + 1) * PER_CHUNK);
      for (var line = chunk * PER_CHUNK; line < line1; line++) {
        let n = line / LB;
        let bOut = line % LB;
        let bIn = bOut + fb - PB;
        if (bIn < 0 || bIn >= LB) { continue; }
        let xl = n * SN + bIn * SB + c;
        let dl = n * SN + bOut * SB + c;
        if (oF1 > oF0) {
          var xp = xl + (oF0 + t0 - PA) * SA;
          var dp = dl + oF0 * SA;
          ${
      slidingLoop(r, {
        input: "x",
        from: "oF0",
        to: "oF1",
        mulExpr: "dy[dp]",
        stepCode: "dp += SA;",
      })
    }
        }
        ${
      edgeLoop(r, {
        input: "x",
        from: "oLo",
        to: "oF0",
        mulExpr: "dy[dl + s * SA]",
        posExpr: "s + t0 - PA",
      })
    }
        ${
      edgeLoop(r, {
        input: "x",
        from: "oF1",
        to: "oHi",
        mulExpr: "dy[dl + s * SA]",
        posExpr: "s + t0 - PA",
      })
    }
      }
      let pb = chunk * TOTAL + fb * WB + t0 * WA + c;
      ${stores}
    }
    `;
  }
}

/** Pass 2: sums [chunks, total] over chunks into the [kh, kw, C, 1] filter gradient. */
export class ReducePartialsProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ["partials"];
  variableComponents = [1];
  workgroupSize: [number, number, number] = [64, 1, 1];
  private readonly chunks: number;
  private readonly total: number;

  constructor(filterShape: number[], chunks: number) {
    this.outputShape = filterShape.slice();
    this.chunks = chunks;
    this.total = filterShape.reduce((a, b) => a * b, 1);
    this.dispatchLayout = { x: [0, 1, 2, 3] };
    this.dispatch = [Math.ceil(this.total / 64), 1, 1];
    this.shaderKey = `slakDwFilterReduce_${this.total}_${chunks}`;
  }

  getUserCode(): string {
    return `
    // Fixed-order sum over ${this.chunks} chunks; one invocation per filter element.
    const TOTAL = ${this.total};
    const CHUNKS = ${this.chunks};
    fn main(index : i32) {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      if (index >= TOTAL) { return; }
      var s : f32 = 0.0;
      for (var k = 0; k < CHUNKS; k++) { s += partials[k * TOTAL + index]; }
      result[index] = s;
    }
    `;
  }
}
