/**
 * Layout helpers for the CPU kernels: the kernels always slide along W (stride C, contiguous
 * channels), so tall kernels (kh > kw) are run on H/W-transposed copies. The transposes cost
 * O(N·H·W·C), negligible next to the kh·kw taps per output, and avoid column walks whose
 * W·C·4-byte stride maps every row onto the same L1 cache sets.
 *
 * @module
 */
import type { DepthwiseGeometry } from "./geometry.ts";

/** [n, h, w, c] → [n, w, h, c] (also [kh, kw, c] → [kw, kh, c] with n = 1). */
export function transposeHW(
  a: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
): Float32Array {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const src = base + (i * w + j) * c;
        const dst = base + (j * h + i) * c;
        out.set(a.subarray(src, src + c), dst);
      }
    }
  }
  return out;
}

/** The geometry with the H and W roles swapped (for the transposed layout). */
export function transposedGeometry(g: DepthwiseGeometry): DepthwiseGeometry {
  return { n: g.n, h: g.w, w: g.h, c: g.c, kh: g.kw, kw: g.kh, ph: g.pw, pw: g.ph };
}

/** True when the kernel should run on transposed copies (its long axis is H). */
export function runsTransposed(g: DepthwiseGeometry): boolean {
  return g.kh > g.kw;
}
