/**
 * WebGPU program "staged" for the filter gradient, pass 1 of the deterministic two-pass
 * reduction (pass 2 is ReducePartialsProgram). One workgroup covers (CW channels, KG filter rows
 * along B, a chunk of (image, output line) pairs). For every line of its chunk and every tile of
 * TO outputs along A it stages the dy tile (TO × CW) and the KG input rows it meets
 * ((TO + R·TG − 1) × CW each, R·TG >= KA, zeros for padding) in `var<workgroup>` memory; every invocation
 * (one scalar channel, one filter row, R consecutive taps along A) then slides a register window
 * over the staged input row: dW[kb, t + j] += x[o + t + j − PA] · dy[o], one input and one dy
 * load per R fmas. Writes partials[chunk, kh, kw, C].
 *
 * Barriers sit in uniform control flow: the loops around them have compile-time bounds.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { type AxisView, axisView, type DepthwiseGeometry, nextPow2 } from "./geometry.ts";
import { MAX_WORKGROUP_INVOCATIONS, MIN_WORKGROUP_STORAGE } from "./webgpu_staged_plan.ts";

/** Workgroups the chunking aims for (enough to fill a large GPU). */
const TARGET_WORKGROUPS = 1024;

/** Tile plan of the staged filter-gradient program. */
export interface StagedFilterPlan {
  /** Taps per invocation along A. */
  r: number;
  /** Tap groups along A (r · tg >= KA). */
  tg: number;
  /** Filter rows along B per workgroup. */
  kg: number;
  /** Channels per workgroup. */
  cw: number;
  /** Outputs along A staged per step. */
  to: number;
}

/** Staged input columns per row: TO outputs plus the reach of every tap group (>= KA − 1). */
export function stagedFilterCols(p: StagedFilterPlan, v: AxisView): number {
  return p.to + Math.max(p.tg * p.r, v.kA) - 1;
}

/** Floats of workgroup memory of a filter plan: dy tile plus kg input rows. */
export function stagedFilterFloats(p: StagedFilterPlan, v: AxisView): number {
  return (p.to + p.kg * stagedFilterCols(p, v)) * p.cw;
}

/** Picks the filter-gradient plan for `g` under `storageBytes` of workgroup memory. */
export function planStagedFilter(
  g: DepthwiseGeometry,
  storageBytes = MIN_WORKGROUP_STORAGE,
): StagedFilterPlan {
  const v = axisView(g);
  const r = Math.min(8, v.kA);
  const tg = Math.ceil(v.kA / r);
  let cw = Math.min(32, nextPow2(g.c));
  let to = Math.min(64, v.lenA);
  const floats = Math.floor(storageBytes / 4);
  const fits = (p: StagedFilterPlan) =>
    stagedFilterFloats(p, v) <= floats && p.cw * p.tg * p.kg <= MAX_WORKGROUP_INVOCATIONS;
  while (!fits({ r, tg, kg: 1, cw, to })) {
    if (cw > 1) cw >>= 1;
    else if (to > 1) to = Math.ceil(to / 2);
    else throw new Error(`staged depthwise dW: no tile fits kernel ${g.kh}x${g.kw}`);
  }
  let kg = 1;
  while (kg < v.kB && fits({ r, tg, kg: kg + 1, cw, to })) kg++;
  return { r, tg, kg, cw, to };
}

/** Pass 1 over inputs ["x", "dy"]; output [chunks, kh·kw·C] of partial sums. */
export class StagedFilterPartialProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["x", "dy"];
  workgroupSize: [number, number, number];
  readonly chunks: number;
  private readonly g: DepthwiseGeometry;
  private readonly v: AxisView;
  private readonly p: StagedFilterPlan;
  private readonly linesPerChunk: number;

  constructor(g: DepthwiseGeometry, plan: StagedFilterPlan) {
    this.g = g;
    this.v = axisView(g);
    this.p = plan;
    const lines = g.n * this.v.lenB;
    const blocks = Math.ceil(g.c / plan.cw) * Math.ceil(this.v.kB / plan.kg);
    const chunks = Math.max(1, Math.min(lines, Math.ceil(TARGET_WORKGROUPS / blocks)));
    this.linesPerChunk = Math.ceil(lines / chunks);
    this.chunks = Math.ceil(lines / this.linesPerChunk);
    this.workgroupSize = [plan.cw, plan.tg, plan.kg];
    this.outputShape = [this.chunks, g.kh * g.kw * g.c];
    this.dispatchLayout = { x: [1], y: [], z: [0] };
    this.dispatch = [
      Math.ceil(g.c / plan.cw),
      Math.ceil(this.v.kB / plan.kg),
      this.chunks,
    ];
    this.shaderKey = `slakDwStagedFilter_${g.n}_${g.h}_${g.w}_${g.c}_${g.kh}_${g.kw}_` +
      `${this.v.alongH ? "H" : "W"}_${plan.r}_${plan.tg}_${plan.kg}_${plan.cw}_${plan.to}_` +
      `${this.linesPerChunk}`;
  }

  getUserCode(): string {
    const { g, v, p } = this;
    const cols = stagedFilterCols(p, v);
    const tiles = Math.ceil(v.lenA / p.to);
    const accs = Array.from({ length: p.r }, (_, j) => `var acc${j} = 0.0;`).join("\n");
    const pre = Array.from({ length: p.r - 1 }, (_, j) => `var x${j} = xs[xp + ${j * p.cw}];`)
      .join("\n");
    const fmas = Array.from(
      { length: p.r },
      (_, j) => `acc${j} = fma(${j === p.r - 1 ? "xn" : `x${j}`}, d, acc${j});`,
    ).join("\n");
    const slide = Array.from(
      { length: p.r - 1 },
      (_, j) => `x${j} = ${j === p.r - 2 ? "xn" : `x${j + 1}`};`,
    ).join("\n");
    const stores = Array.from(
      { length: p.r },
      (_, j) => `if (t0 + ${j} < KA) { result[pb + ${j} * WA] = acc${j}; }`,
    ).join("\n");
    return `
    // dW partial sums, staged form: workgroup = ${p.cw} channels x ${p.kg} filter row(s) x
    // chunk of ${this.linesPerChunk} lines; ${p.r} taps per invocation; tiles of ${p.to}.
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
    const C = ${g.c};
    const CW = ${p.cw};
    const KG = ${p.kg};
    const TO = ${p.to};
    const COLS = ${cols};
    const E = ${p.tg * p.kg}; // lanes per channel
    const LINES = ${g.n * v.lenB};
    const PER_CHUNK = ${this.linesPerChunk};
    const TOTAL = ${g.kh * g.kw * g.c};

    var<workgroup> ds : array<f32, ${p.to * p.cw}>;
    var<workgroup> xs : array<f32, ${p.kg * cols * p.cw}>;

    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let ci = i32(localId.x);
      let ti = i32(localId.y);
      let ki = i32(localId.z);
      let e0 = ti + ${p.tg} * ki;
      let c = i32(workgroupId.x) * CW + ci;
      let kg0 = i32(workgroupId.y) * KG;
      let chunk = i32(workgroupId.z);
      let kb = kg0 + ki;
      let t0 = ti * ${p.r};
      ${accs}
      for (var li = 0; li < PER_CHUNK; li++) {
        let line = chunk * PER_CHUNK + li;
        let n = line / LB;
        let bOut = line % LB;
        let lineIn = line < LINES && c < C;
        for (var tile = 0; tile < ${tiles}; tile++) {
          let o0 = tile * TO;
          // dy[o0 .. o0 + TO) and input rows bOut + kg0 + k - PB at columns o0 - PA + col.
          for (var col = e0; col < TO; col += E) {
            var val = 0.0;
            if (lineIn && o0 + col < LA) {
              val = dy[n * SN + bOut * SB + (o0 + col) * SA + c];
            }
            ds[col * CW + ci] = val;
          }
          for (var k = 0; k < KG; k++) {
            let ib = bOut + kg0 + k - PB;
            let rowIn = lineIn && ib >= 0 && ib < LB;
            for (var col = e0; col < COLS; col += E) {
              let ia = o0 - PA + col;
              var val = 0.0;
              if (rowIn && ia >= 0 && ia < LA) {
                val = x[n * SN + ib * SB + ia * SA + c];
              }
              xs[(k * COLS + col) * CW + ci] = val;
            }
          }
          workgroupBarrier();
          if (kb < KB && t0 < KA) {
            var xp = (ki * COLS + t0) * CW + ci;
            var dp = ci;
            ${pre}
            xp += ${(p.r - 1) * p.cw};
            for (var o = 0; o < TO; o++) {
              let xn = xs[xp];
              let d = ds[dp];
              ${fmas}
              ${slide}
              xp += CW;
              dp += CW;
            }
          }
          workgroupBarrier();
        }
      }
      if (c < C && kb < KB && t0 < KA) {
        let pb = chunk * TOTAL + kb * WB + t0 * WA + c;
        ${stores}
      }
    }
    `;
  }
}
