/**
 * WebGPU program of the fused decomposed op: y = conv(x, kTall) + conv(x, kWide) + bias in one
 * pass. Both filters run along W (register tile of R outputs along W, sliding window over each
 * filter row, taps clipped to the image) into the same accumulators; workgroup [WX, WY, 1] =
 * channels x rows. All shapes and tile sizes are WGSL constants, all in shaderKey.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { axisView, type DepthwiseGeometry } from "../large_depthwise/geometry.ts";
import { declareAccumulators } from "../large_depthwise/wgsl_snippets.ts";
import {
  forwardTiling,
  storeTile,
  tapPassCode,
  tapPassConstants,
} from "../large_depthwise/webgpu_forward_program.ts";

/** Inputs ["x", "wt", "ww", "bias"]; output NHWC. */
export class FusedDecomposedProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["x", "wt", "ww", "bias"];
  workgroupSize: [number, number, number];
  private readonly tall: DepthwiseGeometry;
  private readonly wide: DepthwiseGeometry;
  private readonly r: number;

  constructor(tall: DepthwiseGeometry, wide: DepthwiseGeometry) {
    this.tall = tall;
    this.wide = wide;
    const v = axisView(tall, false);
    const { r, wx, wy } = forwardTiling(tall, v);
    this.r = r;
    this.outputShape = [tall.n, tall.h, tall.w, tall.c];
    this.dispatchLayout = { x: [3], y: [1], z: [0, 2] };
    this.workgroupSize = [wx, wy, 1];
    this.dispatch = [
      Math.ceil(tall.c / wx),
      Math.ceil(tall.h / wy),
      tall.n * Math.ceil(tall.w / r),
    ];
    this.shaderKey = `slakFusedDecomposed_${tall.n}_${tall.h}_${tall.w}_${tall.c}_` +
      `${tall.kh}_${tall.kw}_${wide.kh}_${wide.kw}_${r}_${wx}_${wy}`;
  }

  getUserCode(): string {
    const vt = axisView(this.tall, false);
    const vw = axisView(this.wide, false);
    const r = this.r;
    return `
    // Fused decomposed depthwise (${this.tall.kh}x${this.tall.kw} + ${this.wide.kh}x${this.wide.kw}
    // + bias): R = ${r} outputs per invocation along W; taps clipped to the image.
    const LA = ${vt.lenA};
    const LB = ${vt.lenB};
    const SA = ${vt.sA};
    const SB = ${vt.sB};
    const SN = ${vt.sN};
    const CH = ${this.tall.c};
    const TILES = ${Math.ceil(vt.lenA / r)};
    const R = ${r};
    ${tapPassConstants("_T", vt)}
    ${tapPassConstants("_W", vw)}

    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let c = i32(globalId.x);
      let b = i32(globalId.y);
      let n = i32(globalId.z) / TILES;
      let o0 = (i32(globalId.z) % TILES) * R;
      if (c >= CH || b >= LB) { return; }
      ${declareAccumulators(r)}
      ${tapPassCode(r, "_T", "wt", false)}
      ${tapPassCode(r, "_W", "ww", false)}
      let bv = bias[c];
      let yb = n * SN + b * SB + o0 * SA + c;
      ${storeTile(r, " + bv")}
    }
    `;
  }
}
