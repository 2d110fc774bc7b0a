/**
 * The cpu backend as our ops see it: whether it is the active backend, the subset of tfjs's
 * MathBackendCPU our plain-JS kernels use, the one float32 reader they share, and a helper for
 * fused-gradient configs.
 *
 * @module
 */
import { tf } from "../../tf.ts";

const tfEngine = () => tf.engine();

/** True when tfjs's active backend is "cpu" (where our plain-JS kernels run). */
export function isCpuBackend(): boolean {
  return tf.getBackend() === "cpu";
}

/** What a cpu kernel needs from MathBackendCPU. */
export interface CpuBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  makeTensorInfo(
    shape: number[],
    dtype: tf.DataType,
    values?: tf.backend_util.BackendValues,
  ): tf.TensorInfo;
}

/** The backend a kernel function was handed, as a {@link CpuBackend}. */
export function cpuBackend(backend: unknown): CpuBackend {
  return backend as CpuBackend;
}

/** The float32 values of a tensor on the cpu backend (no copy); throws for any other dtype. */
export function f32(backend: CpuBackend, t: tf.TensorInfo): Float32Array {
  const v = backend.readSync(t.dataId);
  if (!(v instanceof Float32Array)) {
    throw new Error(`cpu kernel: expected a float32 tensor, got ${t.dtype} [${t.shape}]`);
  }
  return v;
}

/**
 * A GradConfig whose gradients all come from one multi-output backward kernel, run once: it gets
 * the saved inputs (by name) plus `dy`, and its outputs are the gradients of `outputs` in order.
 */
export function fusedGradConfig(
  kernelName: string,
  gradKernelName: string,
  inputsToSave: string[],
  outputs: string[],
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const inputs: Record<string, tf.Tensor> = { dy: dy as tf.Tensor };
      inputsToSave.forEach((name, i) => (inputs[name] = saved[i]!));
      const grads = engineRun(gradKernelName, inputs, attrs);
      return Object.fromEntries(outputs.map((name, i) => [name, () => grads[i]!]));
    },
  };
}

function engineRun(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: tf.NamedAttrMap,
): tf.Tensor[] {
  return tfEngine().runKernel(name, inputs as tf.NamedTensorMap, attrs) as unknown as tf.Tensor[];
}
