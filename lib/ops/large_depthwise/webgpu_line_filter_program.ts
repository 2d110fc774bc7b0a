/**
 * WebGPU program "line" for the filter gradient, pass 1 of the deterministic two-pass reduction
 * (pass 2 is {@link ReducePartialsProgram}).
 *
 * Invocation = (channel or channel vec4, tap row fb along B, chunk of (image, output line)
 * pairs). For each line of its chunk whose input line lies in the image it loads the input line
 * and the dy line once (2·LA loads) and runs the unrolled, compile-time clipped correlation
 * dW[fb, t] += Σ_o x[o + t − PA] · dy[o] for every tap t along A that reaches the line, with the
 * tap accumulators held across lines. Writes partials[chunk, fh, fw, c].
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
import { usedTaps } from "./webgpu_line_program.ts";

const TARGET_INVOCATIONS = 8192;

/** Pass 1 over inputs ["x", "dy"]; output [chunks, kh·kw·C] of partial sums. */
export class LineFilterPartialProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["x", "dy"];
  workgroupSize: [number, number, number];
  outputComponent: number;
  variableComponents: number[];
  readonly chunks: number;
  private readonly g: DepthwiseGeometry;
  private readonly v: AxisView;
  private readonly vec: number;
  private readonly linesPerChunk: number;

  constructor(g: DepthwiseGeometry) {
    this.g = g;
    this.v = axisView(g);
    this.vec = channelVec(g);
    this.outputComponent = this.vec;
    this.variableComponents = [this.vec, this.vec];
    const cv = g.c / this.vec;
    const lines = g.n * this.v.lenB;
    const perChunk = cv * this.v.kB;
    const chunks = Math.max(1, Math.min(lines, Math.ceil(TARGET_INVOCATIONS / perChunk)));
    this.linesPerChunk = Math.ceil(lines / chunks);
    this.chunks = Math.ceil(lines / this.linesPerChunk);
    const wx = Math.min(64, nextPow2(cv));
    this.workgroupSize = [wx, 1, 1];
    this.outputShape = [this.chunks, g.kh * g.kw * g.c];
    this.dispatchLayout = { x: [1], y: [], z: [0] };
    this.dispatch = [Math.ceil(cv / wx), this.v.kB, this.chunks];
    this.shaderKey = `slakDwLineFilter_${g.n}_${g.h}_${g.w}_${g.c}_${g.kh}_${g.kw}_` +
      `${this.v.alongH ? "H" : "W"}_${this.vec}_${wx}_${this.linesPerChunk}`;
  }

  getUserCode(): string {
    const { g, v, vec } = this;
    const T = vec === 4 ? "vec4<f32>" : "f32";
    const [u0, u1] = usedTaps(v.lenA, v.kA, v.pA);
    const decl = Array.from({ length: u1 - u0 }, (_, j) => `var a${u0 + j} = ${T}(0.0);`).join(
      "\n",
    );
    const loads = Array.from(
      { length: v.lenA },
      (_, i) => `let x${i} = x[xl + ${i * v.sA / vec}];\nlet d${i} = dy[dl + ${i * v.sA / vec}];`,
    ).join("\n");
    const product: string[] = [];
    for (let t = u0; t < u1; t++) {
      const o0 = Math.max(0, v.pA - t);
      const o1 = Math.min(v.lenA, v.lenA + v.pA - t);
      for (let o = o0; o < o1; o++) product.push(`a${t} = fma(x${o + t - v.pA}, d${o}, a${t});`);
    }
    const total = g.kh * g.kw * g.c;
    // Taps that reach no output of the line get explicit zeros: the partials buffer may be a
    // reused one holding old data.
    const stores = Array.from(
      { length: v.kA },
      (_, t) => `result[pb + ${(t * v.wA) / vec}] = ${t >= u0 && t < u1 ? `a${t}` : `${T}(0.0)`};`,
    ).join("\n");
    return `
    // dW partial sums, line form: invocation = (${vec} channel(s), tap row fb, chunk of
    // ${this.linesPerChunk} lines); taps ${u0}..${u1 - 1} along ${v.alongH ? "H" : "W"}.
    const LB = ${v.lenB};
    const PB = ${v.pB};
    const SB = ${v.sB / vec};
    const SN = ${v.sN / vec};
    const WB = ${v.wB / vec};
    const CV = ${g.c / vec};
    const LINES = ${g.n * v.lenB};
    const PER_CHUNK = ${this.linesPerChunk};
    const TOTAL = ${total / vec};

    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let cv = i32(globalId.x);
      let fb = i32(globalId.y);
      let chunk = i32(globalId.z);
      if (cv >= CV) { return; }
      ${decl}
      let line1 = min(LINES, (chunk + 1) * PER_CHUNK);
      for (var line = chunk * PER_CHUNK; line < line1; line++) {
        let n = line / LB;
        let bOut = line % LB;
        let bIn = bOut + fb - PB;
        if (bIn < 0 || bIn >= LB) { continue; }
        let xl = n * SN + bIn * SB + cv;
        let dl = n * SN + bOut * SB + cv;
        ${loads}
        ${product.join("\n")}
      }
      let pb = chunk * TOTAL + fb * WB + cv;
      ${stores}
    }
    `;
  }
}
