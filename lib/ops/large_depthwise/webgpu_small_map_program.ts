/**
 * WebGPU programs for small maps (SLaK's late stages: 7², kernel 13 or more), the Toeplitz form:
 * one invocation owns a whole H×W map of one (image, channel or channel vec4). It loads every
 * input pixel and every filter tap that can reach the map once, then runs the fully unrolled
 * product y[o] = Σ_i x[i] · W[i − o + p] over in-map pairs only (compile-time clipped), so the
 * work equals the effective taps (for 7² with 13×13: 2 401 of 8 281 nominal multiply-adds) and
 * every load feeds ≈ H·W multiply-adds.
 *
 * - {@link SmallMapProgram}: forward (flip = false) / data gradient (flip = true).
 * - {@link SmallMapFilterPartialProgram}: filter-gradient partial sums over a chunk of images
 *   (pass 1; pass 2 is ReducePartialsProgram).
 *
 * Used when H·W <= {@link SMALL_MAP_MAX_PIXELS} and the kernel covers the map (H <= kh, W <= kw).
 * The bound keeps the unrolled shader small: llvmpipe needed ~0.4 s to compile a 6×6 map but
 * 14–20 s for 7×7 (2 401 unrolled vec4 fmas); larger maps use the line program.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { channelVec, type DepthwiseGeometry, nextPow2 } from "./geometry.ts";

/** Largest map (pixels) handled by the unrolled small-map programs. */
export const SMALL_MAP_MAX_PIXELS = 36;

/** Whether the small-map programs apply to this geometry. */
export function smallMapFits(g: DepthwiseGeometry): boolean {
  return g.h * g.w <= SMALL_MAP_MAX_PIXELS && g.h <= g.kh && g.w <= g.kw;
}

/** Filter taps (fh, fw) reaching some output from some input of the map, row-major. */
function usedTaps2d(g: DepthwiseGeometry): Array<[number, number]> {
  const taps: Array<[number, number]> = [];
  for (let fh = Math.max(0, g.ph - g.h + 1); fh < Math.min(g.kh, g.ph + g.h); fh++) {
    for (let fw = Math.max(0, g.pw - g.w + 1); fw < Math.min(g.kw, g.pw + g.w); fw++) {
      taps.push([fh, fw]);
    }
  }
  return taps;
}

/** (output pixel, input pixel, tap) triples of the clipped product, outputs in order. */
function pairs(g: DepthwiseGeometry): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  for (let oh = 0; oh < g.h; oh++) {
    for (let ow = 0; ow < g.w; ow++) {
      for (let fh = 0; fh < g.kh; fh++) {
        const ih = oh + fh - g.ph;
        if (ih < 0 || ih >= g.h) continue;
        for (let fw = 0; fw < g.kw; fw++) {
          const iw = ow + fw - g.pw;
          if (iw < 0 || iw >= g.w) continue;
          out.push([oh * g.w + ow, ih * g.w + iw, fh, fw]);
        }
      }
    }
  }
  return out;
}

/** Forward / data-gradient small-map program over inputs ["x", "w"]. */
export class SmallMapProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["x", "w"];
  workgroupSize: [number, number, number];
  outputComponent: number;
  variableComponents: number[];
  private readonly g: DepthwiseGeometry;
  private readonly flip: boolean;
  private readonly vec: number;

  constructor(g: DepthwiseGeometry, flip: boolean) {
    this.g = g;
    this.flip = flip;
    this.vec = channelVec(g);
    this.outputComponent = this.vec;
    this.variableComponents = [this.vec, this.vec];
    const cv = g.c / this.vec;
    const wx = Math.min(64, nextPow2(cv));
    this.workgroupSize = [wx, 1, 1];
    this.outputShape = [g.n, g.h, g.w, g.c];
    this.dispatchLayout = { x: [3], y: [0], z: [1, 2] };
    this.dispatch = [Math.ceil(cv / wx), g.n, 1];
    this.shaderKey = `slakDwSmallMap_${g.n}_${g.h}_${g.w}_${g.c}_${g.kh}_${g.kw}_` +
      `${flip ? 1 : 0}_${this.vec}_${wx}`;
  }

  getUserCode(): string {
    const { g, flip, vec } = this;
    const T = vec === 4 ? "vec4<f32>" : "f32";
    const cv = g.c / vec;
    const px = g.h * g.w;
    const wIndex = (fh: number, fw: number) =>
      flip ? ((g.kh - 1 - fh) * g.kw + (g.kw - 1 - fw)) * cv : (fh * g.kw + fw) * cv;
    const decl = Array.from({ length: px }, (_, o) => `var a${o} = ${T}(0.0);`).join("\n");
    const loadX = Array.from({ length: px }, (_, i) => `let x${i} = x[xb + ${i * cv}];`).join("\n");
    const loadW = usedTaps2d(g).map(([fh, fw]) => `let w${fh}_${fw} = w[${wIndex(fh, fw)} + cv];`)
      .join("\n");
    const product = pairs(g).map(([o, i, fh, fw]) => `a${o} = fma(x${i}, w${fh}_${fw}, a${o});`)
      .join("\n");
    const stores = Array.from({ length: px }, (_, o) => `result[xb + ${o * cv}] = a${o};`).join(
      "\n",
    );
    return `
    // Small-map depthwise ${flip ? "data gradient" : "forward"}: one invocation = one
    // ${g.h}x${g.w} map x ${vec} channel(s); unrolled Toeplitz product over in-map pairs.
    const CV = ${cv};
    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let cv = i32(globalId.x);
      let n = i32(globalId.y);
      if (cv >= CV) { return; }
      let xb = n * ${px * cv} + cv;
      ${decl}
      ${loadX}
      ${loadW}
      ${product}
      ${stores}
    }
    `;
  }
}

/** Filter-gradient partial sums over chunks of images; inputs ["x", "dy"]. */
export class SmallMapFilterPartialProgram implements WebGPUProgram {
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
  private readonly vec: number;
  private readonly perChunk: number;

  constructor(g: DepthwiseGeometry) {
    this.g = g;
    this.vec = channelVec(g);
    this.outputComponent = this.vec;
    this.variableComponents = [this.vec, this.vec];
    const cv = g.c / this.vec;
    // Enough chunks for ~4096 invocations, at most one per image.
    const chunks = Math.max(1, Math.min(g.n, Math.ceil(4096 / cv)));
    this.perChunk = Math.ceil(g.n / chunks);
    this.chunks = Math.ceil(g.n / this.perChunk);
    const wx = Math.min(64, nextPow2(cv));
    this.workgroupSize = [wx, 1, 1];
    this.outputShape = [this.chunks, g.kh * g.kw * g.c];
    this.dispatchLayout = { x: [1], y: [], z: [0] };
    this.dispatch = [Math.ceil(cv / wx), 1, this.chunks];
    this.shaderKey = `slakDwSmallMapFilter_${g.n}_${g.h}_${g.w}_${g.c}_${g.kh}_${g.kw}_` +
      `${this.vec}_${wx}_${this.perChunk}`;
  }

  getUserCode(): string {
    const { g, vec } = this;
    const T = vec === 4 ? "vec4<f32>" : "f32";
    const cv = g.c / vec;
    const px = g.h * g.w;
    const taps = usedTaps2d(g);
    const decl = taps.map(([fh, fw]) => `var a${fh}_${fw} = ${T}(0.0);`).join("\n");
    const loads = Array.from(
      { length: px },
      (_, i) => `let x${i} = x[xb + ${i * cv}];\nlet d${i} = dy[xb + ${i * cv}];`,
    ).join("\n");
    const byTap = [...pairs(g)].sort((p, q) => p[2] - q[2] || p[3] - q[3] || p[0] - q[0]);
    const product = byTap.map(([o, i, fh, fw]) => `a${fh}_${fw} = fma(x${i}, d${o}, a${fh}_${fw});`)
      .join("\n");
    const stores = taps.map(([fh, fw]) => `result[pb + ${(fh * g.kw + fw) * cv}] = a${fh}_${fw};`)
      .join("\n");
    return `
    // Small-map dW partial sums: one invocation = ${vec} channel(s) x ${this.perChunk} image(s).
    const CV = ${cv};
    const N = ${g.n};
    const PER_CHUNK = ${this.perChunk};
    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let cv = i32(globalId.x);
      let chunk = i32(globalId.z);
      if (cv >= CV) { return; }
      ${decl}
      let n1 = min(N, (chunk + 1) * PER_CHUNK);
      for (var n = chunk * PER_CHUNK; n < n1; n++) {
        let xb = n * ${px * cv} + cv;
        ${loads}
        ${product}
      }
      let pb = chunk * ${g.kh * g.kw * cv} + cv;
      ${stores}
    }
    `;
  }
}
