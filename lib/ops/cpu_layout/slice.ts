/**
 * A rectangular slice of a dense row-major array, copied as contiguous runs: the innermost
 * dimensions the slice takes whole merge with the last partial one into a run, and an odometer
 * walks the rest. tfjs-cpu's Slice falls back to per-element `TensorBuffer` get/set with array
 * multi-indices whenever the slice is not one contiguous block (e.g. a channel range of an NHWC
 * map, which is what `SplitV`, the gradient of a channel concat, asks for).
 *
 * @module
 */
import { copyRun, stridesOf } from "./transpose.ts";

/** `x[begin .. begin+size)` along every dimension of `shape`, in a new array of `x`'s type. */
export function sliceArray<T extends Float32Array | Int32Array | Uint8Array>(
  x: T,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): T {
  const rank = shape.length;
  let total = 1;
  for (const s of size) total *= s;
  const out = new (x.constructor as { new (n: number): T })(total);
  if (total === 0) return out;
  const strides = stridesOf(shape);
  // Innermost dimensions taken whole, then the dimension whose range ends the run.
  let d0 = rank - 1;
  let run = 1;
  while (d0 >= 0 && begin[d0] === 0 && size[d0] === shape[d0]) run *= shape[d0--]!;
  if (d0 < 0) {
    out.set(x.subarray(0, total));
    return out;
  }
  run *= size[d0]!;
  let base = 0;
  for (let d = 0; d < rank; d++) base += begin[d]! * strides[d]!;
  const idx = new Array<number>(d0).fill(0);
  let o = 0;
  while (o < total) {
    copyRun(out, o, x, base, run);
    o += run;
    for (let d = d0 - 1; d >= 0; d--) {
      base += strides[d]!;
      if (++idx[d]! < size[d]!) break;
      base -= strides[d]! * size[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
