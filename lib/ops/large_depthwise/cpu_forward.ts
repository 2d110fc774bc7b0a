/**
 * Plain-JS forward depthwise conv (stride 1, 'same') on NHWC typed arrays, also used for the
 * data gradient (a conv of dy with the 180°-rotated filter).
 *
 * Layout of the work: the conv slides along W (A axis, stride C); tall kernels run on
 * H/W-transposed copies (see cpu_layout.ts) so that A is always the long kernel axis.
 * Each step computes a register tile of 8 consecutive outputs along A for one (image, line,
 * channel); the taps along A slide an 8-value window so every input load feeds up to 8
 * multiply-adds and every filter load feeds 8. The tap-row loop (B) runs outside the channel
 * loop, with the tile's partial sums in a small float64 buffer, so the working set of one step
 * is a single input row segment (fits L1 even for 31×31). Taps are clipped to the image (no work on padding): the per-tile tap range
 * is split into a "full" range where all 4 outputs read inside the image, and short edge ranges
 * handled with explicit bounds checks. Channels are the inner loop, so consecutive iterations touch
 * adjacent memory. Accumulation is in float64 (JS numbers).
 *
 * @module
 */
import { axisView, type DepthwiseGeometry } from "./geometry.ts";
import { runsTransposed, transposedGeometry, transposeHW } from "./cpu_layout.ts";

const R = 8;

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
  const acc = new Float64Array(R * C);
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
        acc.fill(0);
        // fb outside c: one input row (R + kA − 1 pixels × C) is the working set per step.
        for (let fb = fb0; fb < fb1; fb++) {
          const xRow = n * sN + (bOut + fb - pB) * sB;
          for (let c = 0; c < C; c++) {
            const ap = c * R;
            let a0 = acc[ap]!, a1 = acc[ap + 1]!, a2 = acc[ap + 2]!, a3 = acc[ap + 3]!;
            let a4 = acc[ap + 4]!, a5 = acc[ap + 5]!, a6 = acc[ap + 6]!, a7 = acc[ap + 7]!;
            const xl = xRow + c;
            const wl = fb * wB + c;
            if (tF1 > tF0) {
              let xp = xl + (o0 + tF0 - pA) * sA;
              let x0 = x[xp]!, x1 = x[xp + sA]!, x2 = x[xp + 2 * sA]!, x3 = x[xp + 3 * sA]!;
              let x4 = x[xp + 4 * sA]!, x5 = x[xp + 5 * sA]!, x6 = x[xp + 6 * sA]!;
              xp += 7 * sA;
              let wp = wl + tF0 * wA;
              for (let t = tF0; t < tF1; t++) {
                const x7 = x[xp]!;
                const wv = filter[wp]!;
                a0 += x0 * wv;
                a1 += x1 * wv;
                a2 += x2 * wv;
                a3 += x3 * wv;
                a4 += x4 * wv;
                a5 += x5 * wv;
                a6 += x6 * wv;
                a7 += x7 * wv;
                x0 = x1;
                x1 = x2;
                x2 = x3;
                x3 = x4;
                x4 = x5;
                x5 = x6;
                x6 = x7;
                xp += sA;
                wp += wA;
              }
            }
            for (let t = tLo; t < tHi; t++) {
              if (t >= tF0 && t < tF1) {
                t = tF1 - 1;
                continue;
              }
              const wv = filter[wl + t * wA]!;
              const i0 = o0 + t - pA;
              if (i0 >= 0 && i0 < lenA) a0 += x[xl + i0 * sA]! * wv;
              if (i0 + 1 >= 0 && i0 + 1 < lenA) a1 += x[xl + (i0 + 1) * sA]! * wv;
              if (i0 + 2 >= 0 && i0 + 2 < lenA) a2 += x[xl + (i0 + 2) * sA]! * wv;
              if (i0 + 3 >= 0 && i0 + 3 < lenA) a3 += x[xl + (i0 + 3) * sA]! * wv;
              if (i0 + 4 >= 0 && i0 + 4 < lenA) a4 += x[xl + (i0 + 4) * sA]! * wv;
              if (i0 + 5 >= 0 && i0 + 5 < lenA) a5 += x[xl + (i0 + 5) * sA]! * wv;
              if (i0 + 6 >= 0 && i0 + 6 < lenA) a6 += x[xl + (i0 + 6) * sA]! * wv;
              if (i0 + 7 >= 0 && i0 + 7 < lenA) a7 += x[xl + (i0 + 7) * sA]! * wv;
            }
            acc[ap] = a0;
            acc[ap + 1] = a1;
            acc[ap + 2] = a2;
            acc[ap + 3] = a3;
            acc[ap + 4] = a4;
            acc[ap + 5] = a5;
            acc[ap + 6] = a6;
            acc[ap + 7] = a7;
          }
        }
        const nValid = Math.min(R, lenA - o0);
        const yBase = n * sN + bOut * sB + o0 * sA;
        for (let j = 0; j < nValid; j++) {
          const yp = yBase + j * sA;
          if (accumulate) {
            for (let c = 0; c < C; c++) y[yp + c]! += acc[c * R + j]!;
          } else {
            for (let c = 0; c < C; c++) y[yp + c] = acc[c * R + j]!;
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
