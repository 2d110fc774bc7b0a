/**
 * WebGPU program "staged": forward / data-gradient depthwise conv for hardware GPUs. One
 * workgroup covers (image, TB output rows along B, TA = R·NT outputs along the long kernel axis
 * A, CW channels). Per step it cooperatively copies FB filter rows along B and the
 * (TB + FB − 1) input rows × (TA + KA − 1) columns × CW channels they reach into `var<workgroup>`
 * memory (zeros for padding and channels ≥ C), waits at a barrier, and then every invocation
 * (one scalar channel, one B row, R consecutive outputs along A) runs a register sliding window
 * over the staged row: one workgroup-memory load of input and one of filter per R fmas. Taps
 * that reach only padding for all R outputs are skipped; the rest read the staged zeros, so the
 * multiply-add loop has no bounds checks. Data gradient: the same program with the filter
 * rotated by 180° while it is staged.
 *
 * Barriers sit in uniform control flow: every loop around them has compile-time bounds and
 * no invocation returns early (out-of-range invocations just skip their stores).
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { type AxisView, axisView, type DepthwiseGeometry } from "./geometry.ts";
import { stagedFloats, type StagedPlan, stagedRows, tileA } from "./webgpu_staged_plan.ts";

/** Deliberate faults for the tests that prove they can catch broken staging. */
export interface StagedFault {
  /** Leaves out the barrier between staging and the multiply-adds. */
  skipBarrier?: boolean;
  /** Stages the input tile one column too far along A. */
  shiftTile?: boolean;
}

/** Forward (flip = false) or data gradient (flip = true) over inputs ["x", "w"]. */
export class DepthwiseStagedProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["x", "w"];
  workgroupSize: [number, number, number];
  private readonly g: DepthwiseGeometry;
  private readonly v: AxisView;
  private readonly flip: boolean;
  private readonly p: StagedPlan;
  private readonly fault: StagedFault;

  constructor(g: DepthwiseGeometry, flip: boolean, plan: StagedPlan, fault: StagedFault = {}) {
    this.g = g;
    this.v = axisView(g);
    this.flip = flip;
    this.p = plan;
    this.fault = fault;
    this.workgroupSize = [plan.cw, plan.nt, plan.tb];
    this.outputShape = [g.n, g.h, g.w, g.c];
    this.dispatchLayout = { x: [3], y: [2], z: [0, 1] };
    this.dispatch = [
      Math.ceil(g.c / plan.cw),
      Math.ceil(this.v.lenA / tileA(plan)),
      Math.ceil(this.v.lenB / plan.tb) * g.n,
    ];
    const faults = `${fault.skipBarrier ? "nb" : ""}${fault.shiftTile ? "sh" : ""}`;
    this.shaderKey = `slakDwStaged_${g.n}_${g.h}_${g.w}_${g.c}_${g.kh}_${g.kw}_${flip ? 1 : 0}_` +
      `${
        this.v.alongH ? "H" : "W"
      }_${plan.r}_${plan.nt}_${plan.tb}_${plan.fb}_${plan.cw}_${faults}`;
  }

  /** Workgroup memory the program declares (bytes). */
  get workgroupBytes(): number {
    return stagedFloats(this.p, this.v) * 4;
  }

  getUserCode(): string {
    const { v, p, flip } = this;
    const ta = tileA(p);
    const cols = ta + v.kA - 1;
    const rows = stagedRows(p);
    const steps = Math.ceil(v.kB / p.fb);
    const barrier = this.fault.skipBarrier ? "" : "workgroupBarrier();";
    const shift = this.fault.shiftTile ? 1 : 0;
    const kbIndex = flip ? "(KB - 1 - kb)" : "kb";
    const kaIndex = flip ? "(KA - 1 - t)" : "t";
    const accs = Array.from({ length: p.r }, (_, j) => `var acc${j} = 0.0;`).join("\n");
    const pre = Array.from({ length: p.r - 1 }, (_, j) => `var x${j} = xs[xp + ${j * p.cw}];`)
      .join("\n");
    const fmas = Array.from(
      { length: p.r },
      (_, j) => `acc${j} = fma(${j === p.r - 1 ? "xn" : `x${j}`}, m, acc${j});`,
    ).join("\n");
    const slide = Array.from(
      { length: p.r - 1 },
      (_, j) => `x${j} = ${j === p.r - 2 ? "xn" : `x${j + 1}`};`,
    ).join("\n");
    const stores = Array.from(
      { length: p.r },
      (_, j) => `if (a0 + ${j} < LA) { result[yb + ${j} * SA] = acc${j}; }`,
    ).join("\n");
    return `
    // Depthwise conv ${flip ? "data gradient (rotated filter)" : "forward"}, staged form:
    // workgroup = ${p.tb} B row(s) x ${ta} outputs along ${v.alongH ? "H" : "W"} x ${p.cw}
    // channels; ${steps} step(s) of ${p.fb} filter row(s); ${p.r} outputs per invocation.
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
    const C = ${this.g.c};
    const CW = ${p.cw};
    const TA = ${ta};
    const TB = ${p.tb};
    const FB = ${p.fb};
    const COLS = ${cols};
    const ROWS = ${rows};
    const E = ${p.nt * p.tb}; // lanes per channel
    const BT = ${Math.ceil(v.lenB / p.tb)};

    var<workgroup> xs : array<f32, ${rows * cols * p.cw}>;
    var<workgroup> ws : array<f32, ${p.fb * v.kA * p.cw}>;

    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let ci = i32(localId.x);
      let ti = i32(localId.y);
      let bi = i32(localId.z);
      let e0 = ti + ${p.nt} * bi; // this lane's first staged column (per channel)
      let c0 = i32(workgroupId.x) * CW;
      let aw = i32(workgroupId.y) * TA;
      let n = i32(workgroupId.z) / BT;
      let bw = (i32(workgroupId.z) % BT) * TB;
      let c = c0 + ci;
      let a0 = aw + ti * ${p.r};
      let b = bw + bi;
      // Taps along A that reach the image for some of this invocation's outputs.
      let t0 = max(0, PA - (a0 + ${p.r - 1}));
      let t1 = min(KA, LA + PA - a0);
      ${accs}
      for (var step = 0; step < ${steps}; step++) {
        let kb0 = step * FB;
        // Input rows ib = bw + row + kb0 - PB, columns ia = aw - PA + col: lane (ci, e0) copies
        // channel ci of columns e0, e0 + E, ... of every row (no divisions).
        for (var row = 0; row < ROWS; row++) {
          let ib = bw + row + kb0 - PB;
          let rowIn = ib >= 0 && ib < LB && c < C;
          let xRow = n * SN + ib * SB + c;
          for (var col = e0; col < COLS; col += E) {
            let ia = aw - PA + col + ${shift};
            var val = 0.0;
            if (rowIn && ia >= 0 && ia < LA) {
              val = x[xRow + ia * SA];
            }
            xs[(row * COLS + col) * CW + ci] = val;
          }
        }
        for (var f = 0; f < FB; f++) {
          let kb = kb0 + f;
          let rowIn = kb < KB && c < C;
          for (var t = e0; t < KA; t += E) {
            var val = 0.0;
            if (rowIn) {
              val = w[${kbIndex} * WB + ${kaIndex} * WA + c];
            }
            ws[(f * KA + t) * CW + ci] = val;
          }
        }
        ${barrier}
        for (var f = 0; f < FB; f++) {
          let ib = b + kb0 + f - PB;
          if (kb0 + f < KB && ib >= 0 && ib < LB && t0 < t1) {
            var xp = ((bi + f) * COLS + ti * ${p.r} + t0) * CW + ci;
            var wp = (f * KA + t0) * CW + ci;
            ${pre}
            xp += ${(p.r - 1) * p.cw};
            for (var t = t0; t < t1; t++) {
              let xn = xs[xp];
              let m = ws[wp];
              ${fmas}
              ${slide}
              xp += CW;
              wp += CW;
            }
          }
        }
        ${barrier}
      }
      if (c < C && b < LB) {
        let yb = n * SN + b * SB + a0 * SA + c;
        ${stores}
      }
    }
    `;
  }
}
