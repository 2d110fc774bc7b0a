/**
 * A tensor held in host memory, independent of tfjs: what the file readers (.npy, .safetensors,
 * .pth) return and the writers take. Shapes are in the file's own layout (PyTorch's for .pth).
 *
 * @module
 */

/** Element types the readers understand. */
export type HostDType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "bool";

/** Typed array holding a host tensor's elements (float16/bfloat16 are widened to float32). */
export type HostData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** A dense row-major tensor in host memory. */
export interface HostTensor {
  /** Element type as stored in the file. */
  dtype: HostDType;
  /** Shape, row-major (C order). */
  shape: number[];
  /** Elements; `data.length` equals the product of `shape`. */
  data: HostData;
}

/** The elements of `t` as float32 (int64 through Number). */
export function toFloat32(t: HostTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  const out = new Float32Array(t.data.length);
  if (t.data instanceof BigInt64Array) {
    for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]!);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = t.data[i] as number;
  }
  return out;
}
