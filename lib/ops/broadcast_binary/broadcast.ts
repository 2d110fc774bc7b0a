/**
 * Broadcasting elementwise a ∘ b for row-major float32 arrays, by strides instead of per-element
 * multi-indices: operands are aligned to the output's rank with stride 0 on broadcast dimensions,
 * adjacent dimensions that are contiguous for both operands are merged, and an odometer walks all
 * but the innermost merged dimension. Each result is the float32 rounding of one JS operation on
 * float32 operands, as in tfjs-cpu's binary kernels, so the bits are the same.
 *
 * @module
 */

/** The elementwise operations with a fast path. */
export type BinaryOp = "add" | "sub" | "mul" | "div";

/** Row-major shape of the broadcast of `a` and `b` (numpy rules), or undefined if incompatible. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` aligned to an output of rank `rank`, 0 where the operand broadcasts. */
function alignedStrides(shape: readonly number[], out: readonly number[]): number[] {
  const rank = out.length;
  const s = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = rank - shape.length + i;
    s[d] = shape[i] === 1 && out[d] !== 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return s;
}

/** One inner row: out[o..o+n) = a[ia + k·sa] ∘ b[ib + k·sb]. */
function row(
  op: BinaryOp,
  out: Float32Array,
  o: number,
  n: number,
  a: Float32Array,
  ia: number,
  sa: number,
  b: Float32Array,
  ib: number,
  sb: number,
): void {
  switch (op) {
    case "add":
      for (let k = 0; k < n; k++, ia += sa, ib += sb) out[o + k] = a[ia]! + b[ib]!;
      return;
    case "sub":
      for (let k = 0; k < n; k++, ia += sa, ib += sb) out[o + k] = a[ia]! - b[ib]!;
      return;
    case "mul":
      for (let k = 0; k < n; k++, ia += sa, ib += sb) out[o + k] = a[ia]! * b[ib]!;
      return;
    case "div":
      for (let k = 0; k < n; k++, ia += sa, ib += sb) out[o + k] = a[ia]! / b[ib]!;
      return;
  }
}

/**
 * `a ∘ b` with numpy broadcasting for float32 arrays of shapes `aShape`, `bShape` (whose broadcast
 * is `outShape`, see {@link broadcastShape}).
 */
export function broadcastBinary(
  op: BinaryOp,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
): Float32Array {
  let total = 1;
  for (const d of outShape) total *= d;
  const out = new Float32Array(total);
  if (total === 0) return out;
  // Merge adjacent dimensions that are contiguous (or both broadcast) for both operands.
  const as0 = alignedStrides(aShape, outShape);
  const bs0 = alignedStrides(bShape, outShape);
  const dims: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let d = 0; d < outShape.length; d++) {
    const n = outShape[d]!;
    if (n === 1) continue;
    const last = dims.length - 1;
    if (
      last >= 0 && as[last] === as0[d]! * n && bs[last] === bs0[d]! * n
    ) {
      dims[last]! *= n;
      as[last] = as0[d]!;
      bs[last] = bs0[d]!;
    } else {
      dims.push(n);
      as.push(as0[d]!);
      bs.push(bs0[d]!);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    as.push(0);
    bs.push(0);
  }
  const inner = dims.length - 1;
  const n = dims[inner]!;
  const sa = as[inner]!;
  const sb = bs[inner]!;
  const idx = new Array<number>(inner).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < total; o += n) {
    row(op, out, o, n, a, ia, sa, b, ib, sb);
    for (let d = inner - 1; d >= 0; d--) {
      ia += as[d]!;
      ib += bs[d]!;
      if (++idx[d]! < dims[d]!) break;
      ia -= as[d]! * dims[d]!;
      ib -= bs[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
