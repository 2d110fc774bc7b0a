/**
 * Plain-JS filter gradient of the stride-1 'same' depthwise conv on NHWC typed arrays:
 * dW[fh,fw,c] = Σ_{n,oh,ow} dy[n,oh,ow,c] · x[n, oh+fh−ph, ow+fw−pw, c].
 *
 * The sum slides along W (A axis, stride C); tall kernels run on H/W-transposed copies.
 * For each (image, output line, tap along B) the taps along the long axis A are processed in
 * register tiles of 4; the sum over output positions slides a 4-value input window, so each
 * input load and each dy load feeds 4 multiply-adds. Output positions are clipped to those whose
 * input lies in the image. Partial sums are kept in a float64 buffer (deterministic order).
 *
 * @module
 */
import { axisView, type DepthwiseGeometry } from "./geometry.ts";
import { runsTransposed, transposedGeometry, transposeHW } from "./cpu_layout.ts";

const R = 4;

/** Returns dW as a flattened [kh, kw, c] array. */
export function depthwiseBackpropFilterCpu(
  x: Float32Array,
  dy: Float32Array,
  g: DepthwiseGeometry,
): Float32Array {
  if (!runsTransposed(g)) return backpropFilterAlongW(x, dy, g);
  const t = transposedGeometry(g);
  const dwt = backpropFilterAlongW(
    transposeHW(x, g.n, g.h, g.w, g.c),
    transposeHW(dy, g.n, g.h, g.w, g.c),
    t,
  );
  return transposeHW(dwt, 1, t.kh, t.kw, g.c);
}

function backpropFilterAlongW(
  x: Float32Array,
  dy: Float32Array,
  g: DepthwiseGeometry,
): Float32Array {
  const { lenA, lenB, kA, kB, pA, pB, sA, sB, wA, wB, sN } = axisView(g, false);
  const C = g.c;
  const acc = new Float64Array(g.kh * g.kw * C);
  for (let n = 0; n < g.n; n++) {
    for (let bOut = 0; bOut < lenB; bOut++) {
      const fb0 = Math.max(0, pB - bOut);
      const fb1 = Math.min(kB, lenB + pB - bOut);
      const dl0 = n * sN + bOut * sB;
      for (let fb = fb0; fb < fb1; fb++) {
        const xl0 = n * sN + (bOut + fb - pB) * sB;
        for (let t0 = 0; t0 < kA; t0 += R) {
          const full = t0 + R <= kA;
          const oLo = Math.max(0, pA - t0 - (R - 1));
          const oHi = Math.min(lenA, lenA + pA - t0);
          const oF0 = Math.min(Math.max(0, pA - t0), oHi);
          const oF1 = full ? Math.max(oF0, Math.min(lenA, lenA + pA - t0 - R + 1)) : oF0;
          const nValid = Math.min(R, kA - t0);
          const accBase = fb * wB + t0 * wA;
          for (let c = 0; c < C; c++) {
            let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            const xl = xl0 + c;
            const dl = dl0 + c;
            if (oF1 > oF0) {
              let xp = xl + (oF0 + t0 - pA) * sA;
              let x0 = x[xp]!, x1 = x[xp + sA]!, x2 = x[xp + 2 * sA]!;
              xp += 3 * sA;
              let dp = dl + oF0 * sA;
              for (let o = oF0; o < oF1; o++) {
                const x3 = x[xp]!;
                const d = dy[dp]!;
                a0 += x0 * d;
                a1 += x1 * d;
                a2 += x2 * d;
                a3 += x3 * d;
                x0 = x1;
                x1 = x2;
                x2 = x3;
                xp += sA;
                dp += sA;
              }
            }
            for (let o = oLo; o < oHi; o++) {
              if (o >= oF0 && o < oF1) {
                o = oF1 - 1;
                continue;
              }
              const d = dy[dl + o * sA]!;
              const i0 = o + t0 - pA;
              if (i0 >= 0 && i0 < lenA) a0 += x[xl + i0 * sA]! * d;
              if (i0 + 1 >= 0 && i0 + 1 < lenA) a1 += x[xl + (i0 + 1) * sA]! * d;
              if (i0 + 2 >= 0 && i0 + 2 < lenA) a2 += x[xl + (i0 + 2) * sA]! * d;
              if (i0 + 3 >= 0 && i0 + 3 < lenA) a3 += x[xl + (i0 + 3) * sA]! * d;
            }
            const ap = accBase + c;
            acc[ap]! += a0;
            if (nValid > 1) acc[ap + wA]! += a1;
            if (nValid > 2) acc[ap + 2 * wA]! += a2;
            if (nValid > 3) acc[ap + 3 * wA]! += a3;
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}
