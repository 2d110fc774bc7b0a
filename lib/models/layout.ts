/**
 * Weight layouts: PyTorch keeps conv kernels as OIHW ([C, 1, kh, kw] depthwise) and linear
 * weights as [out, in]; tfjs as [kh, kw, in, out] ([kh, kw, C, 1]) and [in, out]. The
 * permutations between the two per parameter kind, and the row-major permute that applies them.
 *
 * @module
 */
import type { ParamKind } from "./param_spec.ts";

/** Permutes a row-major array: out has shape `perm.map(i => shape[i])`. */
export function permute(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const outStrides = perm.map((p) => strides[p]!);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d]! * outStrides[d]!;
    out[o] = data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Permutation from PyTorch layout to tfjs layout per kind (undefined = same layout). */
export function torchToTf(kind: ParamKind): number[] | undefined {
  if (kind === "conv" || kind === "dwconv") return [2, 3, 1, 0];
  if (kind === "linear") return [1, 0];
  return undefined;
}

/** Inverse of {@link torchToTf}. */
export function tfToTorch(kind: ParamKind): number[] | undefined {
  if (kind === "conv" || kind === "dwconv") return [3, 2, 0, 1];
  if (kind === "linear") return [1, 0];
  return undefined;
}
