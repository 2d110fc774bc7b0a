/**
 * LayerNorm over the last axis in plain JS: one pass for the statistics and one for the output,
 * and a fused backward (dx, dgamma, dbeta) recomputing the statistics. Row-major [rows, C].
 *
 * @module
 */

/** Mean and 1/√(σ² + eps) of row `r` (biased variance). */
function rowStats(x: Float32Array, o: number, c: number, eps: number): [number, number] {
  let mean = 0;
  for (let i = 0; i < c; i++) mean += x[o + i]!;
  mean /= c;
  let v = 0;
  for (let i = 0; i < c; i++) {
    const d = x[o + i]! - mean;
    v += d * d;
  }
  return [mean, 1 / Math.sqrt(v / c + eps)];
}

/** y = (x − μ) / √(σ² + eps) · γ + β per row (biased variance). */
export function layerNormCpu(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  c: number,
  eps: number,
): Float32Array {
  const rows = x.length / c;
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    const [mean, rstd] = rowStats(x, o, c, eps);
    for (let i = 0; i < c; i++) y[o + i] = (x[o + i]! - mean) * rstd * gamma[i]! + beta[i]!;
  }
  return y;
}

/** Gradients of {@link layerNormCpu}: [dx, dgamma, dbeta]. */
export function layerNormGradCpu(
  x: Float32Array,
  gamma: Float32Array,
  dy: Float32Array,
  c: number,
  eps: number,
): [Float32Array, Float32Array, Float32Array] {
  const rows = x.length / c;
  const dx = new Float32Array(x.length);
  const dgamma = new Float64Array(c);
  const dbeta = new Float64Array(c);
  const xhat = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    const [mean, rstd] = rowStats(x, o, c, eps);
    let sumG = 0;
    let sumGX = 0;
    for (let i = 0; i < c; i++) {
      const xh = (x[o + i]! - mean) * rstd;
      xhat[i] = xh;
      const g = dy[o + i]! * gamma[i]!;
      sumG += g;
      sumGX += g * xh;
      dgamma[i] = dgamma[i]! + dy[o + i]! * xh;
      dbeta[i] = dbeta[i]! + dy[o + i]!;
    }
    sumG /= c;
    sumGX /= c;
    for (let i = 0; i < c; i++) {
      dx[o + i] = rstd * (dy[o + i]! * gamma[i]! - sumG - xhat[i]! * sumGX);
    }
  }
  return [dx, Float32Array.from(dgamma), Float32Array.from(dbeta)];
}
