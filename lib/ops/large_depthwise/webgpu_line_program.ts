/**
 * WebGPU program "line": forward / data-gradient depthwise conv where each invocation computes a
 * whole output line along the long kernel axis A (LA <= {@link MAX_LINE} outputs) for one
 * (image, position along B, channel or channel vec4).
 *
 * Per tap row fb along B it loads the input line once (LA loads) and the filter row once (only
 * the taps that can reach the line), then runs the fully unrolled, compile-time clipped
 * Toeplitz product: output o gets taps t in [max(0, PA−o), min(KA, LA+PA−o)), so no work is
 * spent on padding and there are no bounds checks in the multiply-add stream. This maximises
 * multiply-adds per memory load (≈ LA·KA / (LA + KA)), which is what bounds software
 * rasterisers (Mesa llvmpipe/lavapipe: per-lane storage loads cost ~50x an fma) and keeps
 * reuse in registers on GPUs. Channels use vec4 when C % 4 == 0.
 * Workgroup [WX, WY, 1] = channel lanes x B positions; z = image.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import {
  type AxisView,
  axisView,
  channelVec,
  type DepthwiseGeometry,
  nextPow2,
} from "./geometry.ts";

/** Longest line (outputs along A) one invocation computes. */
export const MAX_LINE = 64;

/** Whether the line program applies (the long-axis line fits one invocation). */
export function lineProgramFits(g: DepthwiseGeometry): boolean {
  return axisView(g).lenA <= MAX_LINE;
}

/**
 * WGSL of the unrolled, clipped line product: `a{o} = fma(x{o+t−pA}, w{t}, a{o})` for all
 * in-image taps, with taps in ascending order per output.
 */
export function lineProductCode(
  lenA: number,
  kA: number,
  pA: number,
  xName: (i: number) => string,
  wName: (t: number) => string,
  accName: (o: number) => string,
): string {
  const lines: string[] = [];
  for (let o = 0; o < lenA; o++) {
    const t0 = Math.max(0, pA - o);
    const t1 = Math.min(kA, lenA + pA - o);
    for (let t = t0; t < t1; t++) {
      lines.push(`${accName(o)} = fma(${xName(o + t - pA)}, ${wName(t)}, ${accName(o)});`);
    }
  }
  return lines.join("\n");
}

/** The taps along A that can reach some output of a line of length lenA. */
export function usedTaps(lenA: number, kA: number, pA: number): [number, number] {
  return [Math.max(0, pA - (lenA - 1)), Math.min(kA, pA + lenA)];
}

/** Optional epilogue inputs of the line program (for the fused decomposed op). */
export interface LineEpilogue {
  /** Adds input "bias" [C]. */
  bias?: boolean;
  /** Adds input "addend" (same shape as the output). */
  addend?: boolean;
}

/**
 * Forward (flip = false) or data gradient (flip = true) over inputs ["x", "w"], followed by the
 * optional epilogue inputs ["bias"], ["addend"] (in that order).
 */
export class DepthwiseLineProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["x", "w"];
  workgroupSize: [number, number, number];
  outputComponent: number;
  variableComponents: number[];
  private readonly g: DepthwiseGeometry;
  private readonly v: AxisView;
  private readonly flip: boolean;
  private readonly vec: number;
  private readonly epilogue: LineEpilogue;

  constructor(g: DepthwiseGeometry, flip: boolean, epilogue: LineEpilogue = {}) {
    this.g = g;
    this.flip = flip;
    this.epilogue = epilogue;
    this.v = axisView(g);
    this.vec = channelVec(g);
    this.outputComponent = this.vec;
    if (epilogue.bias) this.variableNames.push("bias");
    if (epilogue.addend) this.variableNames.push("addend");
    this.variableComponents = this.variableNames.map(() => this.vec);
    const cv = g.c / this.vec;
    const wx = Math.min(64, nextPow2(cv));
    const wy = Math.max(1, Math.min(64 / wx, nextPow2(this.v.lenB)));
    this.workgroupSize = [wx, wy, 1];
    this.outputShape = [g.n, g.h, g.w, g.c];
    this.dispatchLayout = { x: [3], y: [2], z: [0, 1] };
    this.dispatch = [Math.ceil(cv / wx), Math.ceil(this.v.lenB / wy), g.n];
    this.shaderKey = `slakDwLine_${g.n}_${g.h}_${g.w}_${g.c}_${g.kh}_${g.kw}_${flip ? 1 : 0}_` +
      `${this.v.alongH ? "H" : "W"}_${this.vec}_${wx}_${wy}_` +
      `${epilogue.bias ? "b" : ""}${epilogue.addend ? "a" : ""}`;
  }

  getUserCode(): string {
    const { g, v, flip, vec } = this;
    const T = vec === 4 ? "vec4<f32>" : "f32";
    const [u0, u1] = usedTaps(v.lenA, v.kA, v.pA);
    const wRow = flip ? "(KB - 1 - fb) * WB" : "fb * WB";
    const wTap = (t: number) => (flip ? v.kA - 1 - t : t);
    const declAcc = Array.from({ length: v.lenA }, (_, o) => `var a${o} = ${T}(0.0);`).join("\n");
    const loadX = Array.from({ length: v.lenA }, (_, i) => `let x${i} = x[xl + ${i * v.sA / vec}];`)
      .join("\n");
    const loadW = Array.from(
      { length: u1 - u0 },
      (_, j) => `let w${u0 + j} = w[wl + ${(wTap(u0 + j) * v.wA) / vec}];`,
    ).join("\n");
    const product = lineProductCode(
      v.lenA,
      v.kA,
      v.pA,
      (i) => `x${i}`,
      (t) => `w${t}`,
      (o) => `a${o}`,
    );
    const stores = Array.from({ length: v.lenA }, (_, o) => {
      const at = `yb + ${o * v.sA / vec}`;
      const extra = (this.epilogue.bias ? " + bv" : "") +
        (this.epilogue.addend ? ` + addend[${at}]` : "");
      return `result[${at}] = a${o}${extra};`;
    }).join("\n");
    return `
    // Depthwise conv ${flip ? "data gradient (rotated filter)" : "forward"}, line form:
    // one invocation = one output line of ${v.lenA} along ${v.alongH ? "H" : "W"} x ${vec}
    // channel(s); taps ${u0}..${u1 - 1} along A, compile-time clipped.
    const LB = ${v.lenB};
    const KB = ${v.kB};
    const PB = ${v.pB};
    const SB = ${v.sB / vec};
    const SN = ${v.sN / vec};
    const WB = ${v.wB / vec};
    const CV = ${g.c / vec};

    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let cv = i32(globalId.x);
      let b = i32(globalId.y);
      let n = i32(globalId.z);
      if (cv >= CV || b >= LB) { return; }
      ${declAcc}
      let fb0 = max(0, PB - b);
      let fb1 = min(KB, LB + PB - b);
      for (var fb = fb0; fb < fb1; fb++) {
        let xl = n * SN + (b + fb - PB) * SB + cv;
        let wl = ${wRow} + cv;
        ${loadX}
        ${loadW}
        ${product}
      }
      let yb = n * SN + b * SB + cv;
      ${this.epilogue.bias ? "let bv = bias[cv];" : ""}
      ${stores}
    }
    `;
  }
}
