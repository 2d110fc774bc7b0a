/**
 * Plain-JS forward depthwise conv (stride 1, 'same') on NHWC typed arrays, also used for the
 * data gradient (a conv of dy with the 180°-rotated filter).
 *
 * Layout of the work: the conv slides along W (A axis, stride C); tall kernels run on
 * H/W-transposed copies (see cpu_layout.ts) so that A is always the long kernel axis.
 * Each step computes a register tile of 4 consecutive outputs along A for one (image, line, channel);
 * the taps along A slide a 4-value window so every input load feeds up to 4 multiply-adds and every
 * filter load feeds 4. Taps are clipped to the image (no work on padding): the per-tile tap range
 * is split into a "full" range where all 4 outputs read inside the image, and short edge ranges
 * handled with explicit bounds checks. Channels are the innermost loop over tiles, so consecutive
 * iterations touch adjacent memory. Accumulation is in float64 (JS numbers).
 *
 * @module
 */
import { axisView, type DepthwiseGeometry } from "./geometry.ts";
import { runsTransposed, transposedGeometry, transposeHW } from "./cpu_layout.ts";

const R = 4;

/**
 * y = depthwise_conv(x, filter) for x [n,h,w,c] and filter [kh,kw,c] (flattened).
 * When `accumulate` is true the result is added to `out` instead of overwriting it.
 */
export function depthwiseForwardCpu(
  x: Float32Array,
  filter: Float32Array,
  g: DepthwiseGeometry,
  out?: Float32Array,
  accumulate = false,
): Float32Array {
  if (!runsTransposed(g)) return forwardAlongW(x, filter, g, out, accumulate);
  const t = transposedGeometry(g);
  const yt = forwardAlongW(
    transposeHW(x, g.n, g.h, g.w, g.c),
    transposeHW(filter, 1, g.kh, g.kw, g.c),
    t,
    accumulate && out ? transposeHW(out, g.n, g.h, g.w, g.c) : undefined,
    accumulate && out !== undefined,
  );
  const y = transposeHW(yt, g.n, t.h, t.w, g.c);
  if (!out) return y;
  out.set(y);
  return out;
}

function forwardAlongW(
  x: Float32Array,
  filter: Float32Array,
  g: DepthwiseGeometry,
  out: Float32Array | undefined,
  accumulate: boolean,
): Float32Array {
  const y = out ?? new Float32Array(g.n * g.h * g.w * g.c);
  const { lenA, lenB, kA, kB, pA, pB, sA, sB, wA, wB, sN } = axisView(g, false);
  const C = g.c;
  for (let n = 0; n < g.n; n++) {
    for (let bOut = 0; bOut < lenB; bOut++) {
      const fb0 = Math.max(0, pB - bOut);
      const fb1 = Math.min(kB, lenB + pB - bOut);
      for (let o0 = 0; o0 < lenA; o0 += R) {
        const full = o0 + R <= lenA;
        const tLo = Math.max(0, pA - o0 - (R - 1));
        const tHi = Math.min(kA, lenA + pA - o0);
        const tF0 = Math.min(Math.max(0, pA - o0), tHi);
        const tF1 = full ? Math.max(tF0, Math.min(kA, lenA + pA - o0 - R + 1)) : tF0;
        const yBase = n * sN + bOut * sB + o0 * sA;
        const nValid = Math.min(R, lenA - o0);
        for (let c = 0; c < C; c++) {
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          for (let fb = fb0; fb < fb1; fb++) {
            const xl = n * sN + (bOut + fb - pB) * sB + c;
            const wl = fb * wB + c;
            if (tF1 > tF0) {
              let xp = xl + (o0 + tF0 - pA) * sA;
              let x0 = x[xp], x1 = x[xp + sA], x2 = x[xp + 2 * sA];
              xp += 3 * sA;
              let wp = wl + tF0 * wA;
              for (let t = tF0; t < tF1; t++) {
                const x3 = x[xp];
                const wv = filter[wp];
                a0 += x0 * wv;
                a1 += x1 * wv;
                a2 += x2 * wv;
                a3 += x3 * wv;
                x0 = x1;
                x1 = x2;
                x2 = x3;
                xp += sA;
                wp += wA;
              }
            }
            for (let t = tLo; t < tHi; t++) {
              if (t >= tF0 && t < tF1) {
                t = tF1 - 1;
                continue;
              }
              const wv = filter[wl + t * wA];
              const i0 = o0 + t - pA;
              if (i0 >= 0 && i0 < lenA) a0 += x[xl + i0 * sA] * wv;
              if (i0 + 1 >= 0 && i0 + 1 < lenA) a1 += x[xl + (i0 + 1) * sA] * wv;
              if (i0 + 2 >= 0 && i0 + 2 < lenA) a2 += x[xl + (i0 + 2) * sA] * wv;
              if (i0 + 3 >= 0 && i0 + 3 < lenA) a3 += x[xl + (i0 + 3) * sA] * wv;
            }
          }
          const yp = yBase + c;
          if (accumulate) {
            y[yp] += a0;
            if (nValid > 1) y[yp + sA] += a1;
            if (nValid > 2) y[yp + 2 * sA] += a2;
            if (nValid > 3) y[yp + 3 * sA] += a3;
          } else {
            y[yp] = a0;
            if (nValid > 1) y[yp + sA] = a1;
            if (nValid > 2) y[yp + 2 * sA] = a2;
            if (nValid > 3) y[yp + 3 * sA] = a3;
          }
        }
      }
    }
  }
  return y;
}

/** The [kh,kw,c] filter rotated by 180° in the spatial plane (for the data gradient). */
export function rotateFilter180(
  filter: Float32Array,
  kh: number,
  kw: number,
  c: number,
): Float32Array {
  const out = new Float32Array(filter.length);
  for (let fh = 0; fh < kh; fh++) {
    for (let fw = 0; fw < kw; fw++) {
      const src = (fh * kw + fw) * c;
      const dst = ((kh - 1 - fh) * kw + (kw - 1 - fw)) * c;
      out.set(filter.subarray(src, src + c), dst);
    }
  }
  return out;
}

/** dx = conv(dy, rot180(filter)): the data gradient of the stride-1 'same' depthwise conv. */
export function depthwiseBackpropInputCpu(
  dy: Float32Array,
  filter: Float32Array,
  g: DepthwiseGeometry,
): Float32Array {
  return depthwiseForwardCpu(dy, rotateFilter180(filter, g.kh, g.kw, g.c), g);
}
