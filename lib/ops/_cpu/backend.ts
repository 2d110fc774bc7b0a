/**
 * The subset of tfjs's cpu backend our plain-JS kernels use, and small helpers for kernel configs.
 *
 * @module
 */
import { tf } from "../../tf.ts";

const tfEngine = () => tf.engine();

/** What a cpu kernel needs from MathBackendCPU. */
export interface CpuBackend {
  readSync(id: tf.DataId): tf.backend_util.BackendValues;
  makeTensorInfo(s: number[], d: tf.DataType, v: tf.backend_util.BackendValues): tf.TensorInfo;
}

/** The float32 values of a tensor on the cpu backend (no copy). */
export function f32(backend: CpuBackend, t: tf.TensorInfo): Float32Array {
  return backend.readSync(t.dataId) as Float32Array;
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
