/**
 * CPU sparse-tap depthwise conv (plain-JS loops on typed arrays): for each (image, channel) plane, each listed tap adds
 * w · (input shifted by (dy, dx)) over the rows and columns where the shift stays inside the image
 * — a contiguous multiply-add per row, with no work on zero taps or padding.
 *
 * @module
 */
import type { TapList } from "./tap_list.ts";

/** y = Σ_taps w · x(h + dy, w + dx) + bias[c] on NHWC arrays ('same' zero padding). */
export function sparseTapDepthwiseCpu(
  x: Float32Array,
  shape: readonly number[],
  taps: TapList,
  bias: Float32Array,
): Float32Array {
  const [n, h, w, c] = shape as [number, number, number, number];
  if (c !== taps.c || bias.length !== c) {
    throw new Error(
      `sparse-tap conv: x [${shape}] needs ${c}-channel taps and bias (got ${taps.c}, ${bias.length})`,
    );
  }
  const hw = h * w;
  const y = new Float32Array(x.length);
  const plane = new Float32Array(hw);
  const acc = new Float64Array(hw);
  for (let b = 0; b < n; b++) {
    const base = b * hw * c;
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < hw; p++) plane[p] = x[base + p * c + ch]!;
      acc.fill(bias[ch]!);
      for (let t = taps.start[ch]!; t < taps.start[ch + 1]!; t++) {
        const dy = taps.dy[t]!;
        const dx = taps.dx[t]!;
        const wv = taps.w[t]!;
        const r0 = Math.max(0, -dy);
        const r1 = Math.min(h, h - dy);
        const c0 = Math.max(0, -dx);
        const c1 = Math.min(w, w - dx);
        for (let r = r0; r < r1; r++) {
          const o = r * w;
          const i = (r + dy) * w + dx;
          for (let q = c0; q < c1; q++) acc[o + q]! += wv * plane[i + q]!;
        }
      }
      for (let p = 0; p < hw; p++) y[base + p * c + ch] = acc[p]!;
    }
  }
  return y;
}
