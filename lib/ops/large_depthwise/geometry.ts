/**
 * Shape arithmetic shared by the CPU and WebGPU depthwise kernels: 'same' padding, the choice of
 * the long kernel axis, NHWC strides along each axis, and effective (non-padding) tap counts.
 *
 * @module
 */

/** Geometry of one stride-1 'same' depthwise conv: x [n,h,w,c], filter [kh,kw,c,1]. */
export interface DepthwiseGeometry {
  /** Batch size. */
  n: number;
  /** Input (and output) height. */
  h: number;
  /** Input (and output) width. */
  w: number;
  /** Channels. */
  c: number;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Top padding (kh >> 1). */
  ph: number;
  /** Left padding (kw >> 1). */
  pw: number;
}

/**
 * The conv viewed along its long kernel axis A (the register-tile axis) and the other axis B.
 * Strides are in floats of the NHWC activation and of the [kh,kw,C] filter.
 */
export interface AxisView {
  /** True when A is the height axis (tall kernels, kh > kw). */
  alongH: boolean;
  lenA: number;
  lenB: number;
  kA: number;
  kB: number;
  pA: number;
  pB: number;
  /** Activation stride along A / B (C or W·C). */
  sA: number;
  sB: number;
  /** Filter stride along A / B (C or kw·C). */
  wA: number;
  wB: number;
  /** Activation stride between images (H·W·C). */
  sN: number;
}

/** Builds the geometry from an NHWC shape and a [kh, kw, C, 1] filter shape (validated). */
export function depthwiseGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
): DepthwiseGeometry {
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `large depthwise conv: x must be rank 4 (NHWC) and filter rank 4 [kh,kw,C,1]; got ` +
        `[${xShape}] and [${filterShape}]`,
    );
  }
  // Both lengths were checked to be 4 just above.
  const [n, h, w, c] = xShape as readonly [number, number, number, number];
  const [kh, kw, fc, mult] = filterShape as readonly [number, number, number, number];
  if (fc !== c || mult !== 1) {
    throw new Error(
      `large depthwise conv: filter [${filterShape}] must be [kh, kw, ${c}, 1] for x [${xShape}]`,
    );
  }
  if (kh % 2 !== 1 || kw % 2 !== 1) {
    throw new Error(`large depthwise conv: kernel ${kh}x${kw} must have odd sides`);
  }
  return { n, h, w, c, kh, kw, ph: kh >> 1, pw: kw >> 1 };
}

/** Views the conv along its long axis (H when kh > kw, else W). */
export function axisView(g: DepthwiseGeometry, forceAlongH?: boolean): AxisView {
  const alongH = forceAlongH ?? g.kh > g.kw;
  const sN = g.h * g.w * g.c;
  return alongH
    ? {
      alongH,
      lenA: g.h,
      lenB: g.w,
      kA: g.kh,
      kB: g.kw,
      pA: g.ph,
      pB: g.pw,
      sA: g.w * g.c,
      sB: g.c,
      wA: g.kw * g.c,
      wB: g.c,
      sN,
    }
    : {
      alongH,
      lenA: g.w,
      lenB: g.h,
      kA: g.kw,
      kB: g.kh,
      pA: g.pw,
      pB: g.ph,
      sA: g.c,
      sB: g.w * g.c,
      wA: g.c,
      wB: g.kw * g.c,
      sN,
    };
}

/** Number of taps of a k-tap 'same' 1-D conv over length len that land inside the input. */
export function effectiveTaps1d(len: number, k: number): number {
  const p = k >> 1;
  let taps = 0;
  for (let o = 0; o < len; o++) {
    taps += Math.min(k, len + p - o) - Math.max(0, p - o);
  }
  return taps;
}

/** FLOPs (2 per multiply-add) of one pass, nominal (all kh·kw taps) and effective (in-image). */
export function depthwiseFlops(g: DepthwiseGeometry): { nominal: number; effective: number } {
  const maps = g.n * g.c;
  return {
    nominal: 2 * maps * g.h * g.w * g.kh * g.kw,
    effective: 2 * maps * effectiveTaps1d(g.h, g.kh) * effectiveTaps1d(g.w, g.kw),
  };
}

/** Smallest power of two ≥ v (workgroup sizes). */
export function nextPow2(v: number): number {
  let p = 1;
  while (p < v) p *= 2;
  return p;
}

/** Channels per lane of the WGSL programs: vec4 when C % 4 == 0, else scalar. */
export function channelVec(g: DepthwiseGeometry): 4 | 1 {
  return g.c % 4 === 0 ? 4 : 1;
}
