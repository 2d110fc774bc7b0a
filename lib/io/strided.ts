/**
 * Materialising a strided view of a flat storage (PyTorch's storage offset, size and stride)
 * into a dense row-major typed array.
 *
 * @module
 */

import { numel } from "../util/shape.ts";
import type { HostData } from "./host_tensor.ts";

/** True when `stride` is the row-major stride of `size` (size-1 dims may have any stride). */
export function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expect = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expect) return false;
    expect *= size[d]!;
  }
  return true;
}

/**
 * Highest storage index a view touches (`offset` for an empty or 0-d view; -1 never). Strides
 * must be non-negative.
 */
export function maxIndex(offset: number, size: readonly number[], stride: readonly number[]) {
  let m = offset;
  for (let d = 0; d < size.length; d++) if (size[d]! > 0) m += (size[d]! - 1) * stride[d]!;
  return m;
}

/**
 * Exact extent of a view: one past the highest storage index it touches (`0n` for an empty
 * view), in BigInt so that sizes and strides from a file cannot overflow the arithmetic.
 */
export function viewExtent(
  offset: number,
  size: readonly number[],
  stride: readonly number[],
): bigint {
  let m = BigInt(offset);
  for (let d = 0; d < size.length; d++) {
    if (size[d] === 0) return 0n;
    m += BigInt(size[d]! - 1) * BigInt(stride[d]!);
  }
  return m + 1n;
}

/** Gathers the elements of a strided view of `src` into a fresh dense array (row-major). */
export function gatherStrided(
  src: HostData,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
): HostData {
  const n = numel(size);
  const Ctor = src.constructor as new (n: number) => HostData;
  if (isContiguous(size, stride)) return src.slice(offset, offset + n);
  const out = new Ctor(n);
  if (n === 0) return out;
  const rank = size.length;
  const idx = new Array<number>(rank).fill(0);
  const inner = size[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  let base = offset;
  let o = 0;
  const dst = out as unknown as { [i: number]: number | bigint };
  const s = src as unknown as { [i: number]: number | bigint };
  for (;;) {
    for (let k = 0, p = base; k < inner; k++, p += innerStride) dst[o++] = s[p]!;
    // advance the outer multi-index (odometer), dims rank-2 .. 0
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      base += stride[d]!;
      if (idx[d]! < size[d]!) break;
      base -= stride[d]! * size[d]!;
      idx[d] = 0;
    }
    if (d < 0) return out;
  }
}
