/**
 * The subset of tfjs's cpu backend our plain-JS kernels use, and small helpers for kernel configs.
 *
 * @module
 */
import type { tf } from "../../tf.ts";

/** What a cpu kernel needs from MathBackendCPU. */
export interface CpuBackend {
  readSync(id: tf.DataId): tf.backend_util.BackendValues;
  makeTensorInfo(s: number[], d: tf.DataType, v: tf.backend_util.BackendValues): tf.TensorInfo;
}

/** The float32 values of a tensor on the cpu backend (no copy). */
export function f32(backend: CpuBackend, t: tf.TensorInfo): Float32Array {
  return backend.readSync(t.dataId) as Float32Array;
}
