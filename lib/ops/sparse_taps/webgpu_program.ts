/**
 * WebGPU sparse-tap depthwise conv. The input is first laid out channel-major and zero-padded
 * ([N, C, H + 2·PH, W + 2·PW + R − 1], {@link SparseTapLayoutProgram}), so that every tap of
 * every output is a plain load.
 * A workgroup owns one (image, channel) plane, so all its lanes walk the same tap list (uniform
 * loop bounds, broadcast weights); lane = a run of R outputs along W × one row, and adjacent
 * lanes read adjacent floats. Taps are stored as a linear offset in the padded plane
 * (dy · WP + dx) and a weight. Shapes are WGSL constants, all in shaderKey.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { nextPow2 } from "../large_depthwise/geometry.ts";

/** Geometry of one sparse-tap run. */
export interface SparseTapGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  /** Padding of the channel-major input. */
  ph: number;
  pw: number;
  /** Outputs per lane along W. */
  r: number;
}

/** Padded plane width for a geometry. */
export function paddedWidth(g: SparseTapGeometry): number {
  return g.w + 2 * g.pw + g.r - 1;
}

/** The program; inputs ["xp", "start", "pos", "tw", "bias"]. */
export class SparseTapProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames = ["xp", "start", "pos", "tw", "bias"];
  workgroupSize: [number, number, number];
  private readonly g: SparseTapGeometry;

  constructor(g: SparseTapGeometry) {
    this.g = g;
    const runs = Math.ceil(g.w / g.r);
    const wx = Math.min(64, nextPow2(runs));
    const wy = Math.max(1, Math.min(64 / wx, nextPow2(g.h)));
    this.workgroupSize = [wx, wy, 1];
    this.outputShape = [g.n, g.h, g.w, g.c];
    this.dispatchLayout = { x: [2], y: [1], z: [0, 3] };
    this.dispatch = [Math.ceil(runs / wx), Math.ceil(g.h / wy), g.n * g.c];
    this.shaderKey =
      `slakSparseTaps_${g.n}_${g.h}_${g.w}_${g.c}_${g.ph}_${g.pw}_${g.r}_${wx}_${wy}`;
  }

  getUserCode(): string {
    const g = this.g;
    const wp = paddedWidth(g);
    const hp = g.h + 2 * g.ph;
    const acc = Array.from({ length: g.r }, (_, j) => `var a${j} : f32 = 0.0;`).join("\n");
    const fmas = Array.from({ length: g.r }, (_, j) => `a${j} = fma(xp[p + ${j}], m, a${j});`).join(
      "\n",
    );
    const stores = Array.from(
      { length: g.r },
      (_, j) => `if (w0 + ${j} < W) { result[yb + ${j} * CH] = a${j} + bv; }`,
    ).join("\n");
    return `
    // Sparse-tap depthwise conv: one (image, channel) plane per workgroup; R = ${g.r} outputs per
    // lane along W; taps as (offset in the padded plane, weight).
    const H = ${g.h};
    const W = ${g.w};
    const CH = ${g.c};
    const WP = ${wp};
    const PLANE = ${hp * wp};
    const PH = ${g.ph};
    const PW = ${g.pw};
    const R = ${g.r};

    fn main() {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      let w0 = i32(globalId.x) * R;
      let h = i32(globalId.y);
      let nc = i32(globalId.z);
      if (h >= H || w0 >= W) { return; }
      let c = nc % CH;
      let n = nc / CH;
      ${acc}
      let base = nc * PLANE + (h + PH) * WP + w0 + PW;
      let t1 = start[c + 1];
      for (var t = start[c]; t < t1; t++) {
        let p = base + pos[t];
        let m = tw[t];
        ${fmas}
      }
      let bv = bias[c];
      let yb = ((n * H + h) * W + w0) * CH + c;
      ${stores}
    }
    `;
  }
}

/**
 * The layout pass: NHWC `x` → channel-major, zero-padded [N, C, H + 2·PH, WP] (WP =
 * {@link paddedWidth}: PW zero columns on the left, PW + R − 1 on the right). Inputs ["x"].
 */
export class SparseTapLayoutProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ["x"];
  workgroupSize: [number, number, number] = [64, 1, 1];
  private readonly g: SparseTapGeometry;

  constructor(g: SparseTapGeometry) {
    this.g = g;
    const hp = g.h + 2 * g.ph;
    const wp = paddedWidth(g);
    this.outputShape = [g.n, g.c, hp, wp];
    this.dispatchLayout = { x: [0, 1, 2, 3] };
    this.dispatch = [Math.ceil((g.n * g.c * hp * wp) / 64), 1, 1];
    this.shaderKey = `slakSparseTapsLayout_${g.n}_${g.h}_${g.w}_${g.c}_${g.ph}_${g.pw}_${g.r}`;
  }

  getUserCode(): string {
    const g = this.g;
    const hp = g.h + 2 * g.ph;
    const wp = paddedWidth(g);
    return `
    // Channel-major zero-padded copy of NHWC x; one invocation per output element.
    const H = ${g.h};
    const W = ${g.w};
    const CH = ${g.c};
    const HP = ${hp};
    const WP = ${wp};
    const PH = ${g.ph};
    const PW = ${g.pw};
    const TOTAL = ${g.n * g.c * hp * wp};

    fn main(index : i32) {
      _ = uniforms.outShape; // keep the uniforms binding in the 'auto' layout
      if (index >= TOTAL) { return; }
      let col = index % WP - PW;
      let row = (index / WP) % HP - PH;
      let nc = index / (WP * HP);
      var v : f32 = 0.0;
      if (row >= 0 && row < H && col >= 0 && col < W) {
        v = x[((nc / CH * H + row) * W + col) * CH + nc % CH];
      }
      result[index] = v;
    }
    `;
  }
}
