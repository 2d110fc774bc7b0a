/**
 * Transpose of a dense row-major array by index arithmetic that walks the output once: an odometer
 * over the output's outer dimensions carries the input offset incrementally, and the innermost
 * dimensions the permutation keeps in place are copied as one contiguous run. tfjs-cpu's generic
 * Transpose computes a multi-index (an array) per element and is 10-50x slower on the layouts the
 * segmentation head and the axis-matrix resize produce (`[1,0,2,3]`, `[1,2,0,3]`, `[2,0,1,3]`).
 *
 * @module
 */

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** Shorter than this, a run is copied element by element (subarray/set costs more). */
const RUN_COPY_MIN = 32;

/** Copies `len` elements from `src[from..]` to `dst[to..]`. */
export function copyRun<T extends Float32Array | Int32Array | Uint8Array>(
  dst: T,
  to: number,
  src: T,
  from: number,
  len: number,
): void {
  if (len >= RUN_COPY_MIN) dst.set(src.subarray(from, from + len), to);
  else for (let k = 0; k < len; k++) dst[to + k] = src[from + k]!;
}

/**
 * `x` (row-major, `shape`) transposed by `perm` (output dimension i is input dimension perm[i]):
 * the same values as tfjs's Transpose, in a new array of `x`'s type.
 */
export function transposeArray<T extends Float32Array | Int32Array | Uint8Array>(
  x: T,
  shape: readonly number[],
  perm: readonly number[],
): T {
  const rank = shape.length;
  const out = new (x.constructor as { new (n: number): T })(x.length);
  if (x.length === 0) return out;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  // The innermost dimensions the permutation keeps in place form one contiguous run.
  let keep = rank;
  while (keep > 0 && perm[keep - 1] === keep - 1) keep--;
  let run = 1;
  for (let d = keep; d < rank; d++) run *= shape[d]!;
  if (keep === 0) {
    out.set(x);
    return out;
  }
  // The last moved dimension is walked by the inner loop, the ones before it by the odometer.
  const inner = keep - 1;
  const innerLen = outShape[inner]!;
  const innerStride = inStrides[perm[inner]!]!;
  const outerDims = inner;
  const idx = new Array<number>(outerDims).fill(0);
  const step = new Array<number>(outerDims);
  for (let d = 0; d < outerDims; d++) step[d] = inStrides[perm[d]!]!;
  let base = 0; // input offset of the current outer index
  let o = 0;
  const total = x.length;
  while (o < total) {
    let i = base;
    if (run === 1) {
      for (let k = 0; k < innerLen; k++, i += innerStride) out[o++] = x[i]!;
    } else {
      for (let k = 0; k < innerLen; k++, i += innerStride, o += run) copyRun(out, o, x, i, run);
    }
    // advance the odometer over the outer output dimensions
    for (let d = outerDims - 1; d >= 0; d--) {
      base += step[d]!;
      if (++idx[d]! < outShape[d]!) break;
      base -= step[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
