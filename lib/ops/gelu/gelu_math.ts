/**
 * The GELU approximation shared by the WebAssembly SIMD kernel and its scalar fallback, in
 * float64 arithmetic on float32 inputs:
 *
 *     E = exp(−x²/2)            (x² is exact in float64 for a float32 x)
 *     t = 1 / (1 + |x|/(2√2))   (z = |x|/√2, t = 1/(1 + z/2) ∈ (0, 1])
 *     Φ(−|x|) = ½·erfc(z) = ½·E·t·P(t)      P: degree-9 polynomial fitted (weighted least
 *                                           squares, relative error) to erfc(z)·e^{z²}/t
 *     Φ(x) = x ≥ 0 ? 1 − Φ(−|x|) : Φ(−|x|)
 *     GELU(x) = x·Φ(x);   GELU′(x) = Φ(x) + x·E/√(2π)
 *
 * P's relative error is ≤ 2e-8 on z ∈ [0, 10.6] (|x| ≤ 15); past |x| = {@link GELU_TAIL} E is
 * taken as 0 (exact results there are below 1e-6 of the smallest normal float32). Because the
 * Gaussian factor is computed from the exact x², the result is relative-accurate in the negative
 * tail too (no `1 − erf` cancellation).
 *
 * @module
 */

/** Coefficients of P(t) (constant term first). */
export const ERFCX_T_COEFFS: readonly number[] = [
  0.2820644990599365,
  0.2828570358822418,
  0.23864483555246807,
  0.2255418516167965,
  -0.09831762833181058,
  0.4212742615194145,
  -0.6700224630079632,
  0.4289284011040576,
  -0.12325468957051447,
  0.012283876512759626,
];

/** |x| from which exp(−x²/2) is taken as 0. */
export const GELU_TAIL = 15;
/** 1 / (2√2): t = 1 / (1 + |x|·T_SCALE). */
export const T_SCALE = 1 / (2 * Math.SQRT2);
/** 1 / √(2π). */
export const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** P(t) by Horner's rule. */
function erfcxT(t: number): number {
  let acc = ERFCX_T_COEFFS[ERFCX_T_COEFFS.length - 1]!;
  for (let i = ERFCX_T_COEFFS.length - 2; i >= 0; i--) acc = acc * t + ERFCX_T_COEFFS[i]!;
  return acc;
}

/** [Φ(x), exp(−x²/2)] (the latter 0 past the tail). */
export function normalCdfAndGauss(x: number): [number, number] {
  const ax = Math.abs(x);
  const e = ax < GELU_TAIL ? Math.exp(-0.5 * ax * ax) : 0;
  const t = 1 / (1 + ax * T_SCALE);
  const tail = 0.5 * e * (t * erfcxT(t));
  return [x >= 0 ? 1 - tail : tail, e];
}

/** GELU(x) = x·Φ(x) (scalar; the wasm kernel computes the same formula four lanes at a time). */
export function geluScalar(x: number): number {
  return x * normalCdfAndGauss(x)[0];
}

/** GELU′(x) = Φ(x) + x·φ(x). */
export function geluGradScalar(x: number): number {
  const [cdf, e] = normalCdfAndGauss(x);
  return cdf + x * (e * INV_SQRT_2PI);
}
