/**
 * The plain-JS loops behind the fused adds: each result is rounded to float32 exactly where tfjs's
 * own Add / Mul kernels round (every stored value is one float32 operation on float32 operands),
 * so they give the same bits as the chains of tfjs ops they replace.
 *
 * @module
 */

/** ((a₀ + a₁) + a₂) + … elementwise (all the same length, at least one). */
export function addArrays(arrays: readonly ArrayLike<number>[]): Float32Array {
  const first = arrays[0];
  if (first === undefined) throw new RangeError("addArrays: no arrays");
  const out = Float32Array.from(first);
  for (let k = 1; k < arrays.length; k++) {
    const a = arrays[k]!;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + a[i]!;
  }
  return out;
}

/**
 * x + s[n]·y for every sample n of `s.length` equal slices: the residual add with drop path's
 * per-sample scale (the product rounded to float32 before the add, as Mul then Add).
 */
export function scaledAddArrays(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  s: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(x.length);
  const size = x.length / s.length;
  for (let n = 0; n < s.length; n++) {
    const sn = s[n]!;
    for (let i = n * size, end = i + size; i < end; i++) out[i] = x[i]! + Math.fround(sn * y[i]!);
  }
  return out;
}

/** s[n]·y for every sample n of `s.length` equal slices (drop path's gradient). */
export function scaleSamples(y: ArrayLike<number>, s: ArrayLike<number>): Float32Array {
  const out = new Float32Array(y.length);
  const size = y.length / s.length;
  for (let n = 0; n < s.length; n++) {
    const sn = s[n]!;
    for (let i = n * size, end = i + size; i < end; i++) out[i] = sn * y[i]!;
  }
  return out;
}
