/**
 * WebGPU program: depthwise conv forward (and, with `flip`, the data gradient: a conv of dy with
 * the 180°-rotated filter), NHWC fp32, stride 1, 'same'.
 *
 * Work mapping (workgroup [WX, WY, 1]): invocation x = channel (adjacent lanes read adjacent
 * floats, any C; lanes past C exit), y = position along the short axis B, z = (image, tile of R
 * outputs along the long axis A). Each invocation keeps R output accumulators in registers and
 * slides an R-value input window along A, so one input load and one filter load feed R fmas.
 * Taps are clipped to the image: rows along B outside the image are skipped, and along A the tap
 * range is split into a bounds-check-free middle range and short checked edges.
 * Every shape, stride, tile size and the flip flag is a WGSL constant, all in shaderKey.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { type AxisView, axisView, type DepthwiseGeometry, nextPow2 } from "./geometry.ts";
import { declareAccumulators, edgeLoop, slidingLoop } from "./wgsl_snippets.ts";

/** Tuning knobs of the forward program. */
export interface ForwardTiling {
  /** Outputs per invocation along the long axis. */
  r: number;
  /** Channel lanes per workgroup. */
  wx: number;
  /** Short-axis positions per workgroup. */
  wy: number;
}

/** Picks the tile: R up to 8 (no larger than the line), lanes sized to C. */
export function forwardTiling(g: DepthwiseGeometry, v: AxisView): ForwardTiling {
  const r = Math.max(1, Math.min(8, v.lenA));
  const wx = Math.min(64, nextPow2(g.c));
  const wy = Math.max(1, Math.min(64 / wx, nextPow2(v.lenB)));
  return { r, wx, wy };
}

/** Forward / data-gradient program over inputs ["x", "w"] (x NHWC, w [kh,kw,C,1]). */
export class DepthwiseForwardProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["x", "w"];
  workgroupSize: [number, number, number];
  private readonly g: DepthwiseGeometry;
  private readonly v: AxisView;
  private readonly t: ForwardTiling;
  private readonly flip: boolean;

  constructor(g: DepthwiseGeometry, flip: boolean, tiling?: ForwardTiling) {
    this.g = g;
    this.flip = flip;
    this.v = axisView(g);
    this.t = tiling ?? forwardTiling(g, this.v);
    const { r, wx, wy } = this.t;
    this.outputShape = [g.n, g.h, g.w, g.c];
    this.dispatchLayout = { x: [3], y: [2], z: [0, 1] };
    this.workgroupSize = [wx, wy, 1];
    const tiles = Math.ceil(this.v.lenA / r);
    this.dispatch = [Math.ceil(g.c / wx), Math.ceil(this.v.lenB / wy), g.n * tiles];
    this.shaderKey = `slakDwFwd_${g.n}_${g.h}_${g.w}_${g.c}_${g.kh}_${g.kw}_${flip ? 1 : 0}_` +
      `${this.v.alongH ? "H" : "W"}_${r}_${wx}_${wy}`;
  }

  getUserCode(): string {
    const { g, v, flip } = this;
    const { r } = this.t;
    const tiles = Math.ceil(v.lenA / r);
    return `
    // Depthwise conv ${flip ? "data gradient (rotated filter)" : "forward"}: workgroup
    // [${this.t.wx}, ${this.t.wy}, 1] = channels x short-axis positions; R = ${r} outputs per
    // invocation along ${v.alongH ? "H" : "W"}; taps clipped to the image.
    const LA = ${v.lenA};
    const LB = ${v.lenB};
    const SA = ${v.sA};
    const SB = ${v.sB};
    const SN = ${v.sN};
    const CH = ${g.c};
    const TILES = ${tiles};
    const R = ${r};
    ${tapPassConstants("", v)}

    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let c = i32(globalId.x);
      let b = i32(globalId.y);
      let n = i32(globalId.z) / TILES;
      let o0 = (i32(globalId.z) % TILES) * R;
      if (c >= CH || b >= LB) { return; }
      ${declareAccumulators(r)}
      ${tapPassCode(r, "", "w", flip)}
      let yb = n * SN + b * SB + o0 * SA + c;
      ${storeTile(r)}
    }
    `;
  }
}

/** Per-pass tap constants (kernel extent, padding and filter strides along A and B). */
export function tapPassConstants(suffix: string, v: AxisView): string {
  return `
    const KA${suffix} = ${v.kA};
    const KB${suffix} = ${v.kB};
    const PA${suffix} = ${v.pA};
    const PB${suffix} = ${v.pB};
    const WA${suffix} = ${v.wA};
    const WB${suffix} = ${v.wB};`;
}

/** `result[yb + j·SA] = aj` for the outputs of the tile that lie inside the line. */
export function storeTile(r: number, extra = ""): string {
  return Array.from(
    { length: r },
    (_, j) => `if (o0 + ${j} < LA) { result[yb + ${j} * SA] = a${j}${extra}; }`,
  ).join("\n");
}

/**
 * WGSL accumulating one filter's clipped taps into a0..a(R-1) for the tile at (n, b, o0, c).
 * Uses the constants of {@link tapPassConstants} with the same suffix, plus LA, LB, SA, SB, SN.
 */
export function tapPassCode(r: number, suffix: string, filter: string, flip: boolean): string {
  const K = (name: string) => `${name}${suffix}`;
  const wLine = flip ? `(${K("KB")} - 1 - fb) * ${K("WB")} + c` : `fb * ${K("WB")} + c`;
  const wTap = (s: string) => (flip ? `(${K("KA")} - 1 - ${s}) * ${K("WA")}` : `${s} * ${K("WA")}`);
  const wStep = flip ? `wp -= ${K("WA")};` : `wp += ${K("WA")};`;
  const edge = (from: string, to: string) =>
    edgeLoop(r, {
      input: "x",
      from,
      to,
      mulExpr: `${filter}[wl + ${wTap("s")}]`,
      posExpr: `o0 + s - ${K("PA")}`,
    });
  return `{
      let fb0 = max(0, ${K("PB")} - b);
      let fb1 = min(${K("KB")}, LB + ${K("PB")} - b);
      let tHi = min(${K("KA")}, LA + ${K("PA")} - o0);
      let tLo = max(0, ${K("PA")} - o0 - (R - 1));
      let tF0 = min(max(0, ${K("PA")} - o0), tHi);
      var tF1 = tF0;
      if (o0 + R <= LA) { tF1 = max(tF0, min(${K("KA")}, LA + ${K("PA")} - o0 - R + 1)); }
      for (var fb = fb0; fb < fb1; fb++) {
        let xl = n * SN + (b + fb - ${K("PB")}) * SB + c;
        let wl = ${wLine};
        if (tF1 > tF0) {
          var xp = xl + (o0 + tF0 - ${K("PA")}) * SA;
          var wp = wl + ${wTap("tF0")};
          ${
    slidingLoop(r, {
      input: "x",
      from: "tF0",
      to: "tF1",
      mulExpr: `${filter}[wp]`,
      stepCode: wStep,
    })
  }
        }
        ${edge("tLo", "tF0")}
        ${edge("tF1", "tHi")}
      }
    }`;
}
