/**
 * Space-to-depth for a k×k stride-k patchify, as plain copies: the NHWC map [N, H, W, C] to the
 * patch matrix [N·Ho·Wo, k·k·C] (row (n, i, j), column (a, b, c) = x[n, i·k + a, j·k + b, c];
 * Ho = ⌊H/k⌋, Wo = ⌊W/k⌋, rows and columns past the last whole patch ignored), and back (the
 * gradient: ignored pixels get 0). Each patch row is k runs of k·C contiguous floats.
 *
 * @module
 */

/** Shape of one patchify: input [n, h, w, c] and patch size k. */
export interface PatchGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
}

/** [N·Ho·Wo, k·k·C] patch rows of the NHWC values `x`. */
export function patchesForward(x: ArrayLike<number>, g: PatchGeometry): Float32Array {
  const out = new Float32Array(patchCount(g) * g.k * g.k * g.c);
  walk(g, (src, dst, len) => {
    for (let b = 0; b < len; b++) out[dst + b] = x[src + b]!;
  });
  return out;
}

/** The NHWC gradient [N, H, W, C] of {@link patchesForward} for the patch gradient `dy`. */
export function patchesBackward(dy: ArrayLike<number>, g: PatchGeometry): Float32Array {
  const out = new Float32Array(g.n * g.h * g.w * g.c);
  walk(g, (src, dst, len) => {
    for (let b = 0; b < len; b++) out[src + b] = dy[dst + b]!;
  });
  return out;
}

/** N·Ho·Wo. */
export function patchCount(g: PatchGeometry): number {
  return g.n * Math.floor(g.h / g.k) * Math.floor(g.w / g.k);
}

/** Calls `run(nhwcOffset, patchOffset, k·C)` for every run of every patch, in row order. */
function walk(g: PatchGeometry, run: (src: number, dst: number, len: number) => void): void {
  const { n, h, w, c, k } = g;
  const ho = Math.floor(h / k);
  const wo = Math.floor(w / k);
  const len = k * c;
  let dst = 0;
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) {
        for (let a = 0; a < k; a++) {
          run(((img * h + i * k + a) * w + j * k) * c, dst, len);
          dst += len;
        }
      }
    }
  }
}
