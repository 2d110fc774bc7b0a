/**
 * Exact (erf) GELU as one op: `0.5 · x · (1 + erf(x / √2))`. On the cpu backend a fused kernel
 * ("SlakGelu") with a fused derivative, on the WebAssembly SIMD kernel (wasm_gelu.ts) or, where
 * that is unavailable, the same formula in scalar JS (gelu_math.ts); both are within 1e-6
 * relative of the exact GELU and GELU′ (see gelu_math.ts). Elsewhere the composite of tfjs ops.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32 } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import { geluGradScalar, geluScalar } from "./gelu_math.ts";
import { geluGradWasm, geluWasm } from "./wasm_gelu.ts";

/** Forward kernel name. */
export const SLAK_GELU = "SlakGelu";
/** Backward kernel name: dx = dy · GELU'(x). */
export const SLAK_GELU_GRAD = "SlakGeluGrad";

const INV_SQRT2 = Math.SQRT1_2;

function composite<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1)) as T);
}

/** Exact GELU, differentiable. */
export function geluExact<T extends tf.Tensor>(x: T): T {
  if (!fusedCpu()) return composite(x);
  return tf.engine().runKernel(SLAK_GELU, { x } as unknown as tf.NamedTensorMap) as T;
}

function forwardKernel({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const x = (inputs as Record<string, tf.TensorInfo>).x!;
  const b = cpuBackend(backend);
  const v = f32(b, x);
  return b.makeTensorInfo(x.shape.slice(), "float32", geluWasm(v) ?? v.map(geluScalar));
}

function gradKernel({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as Record<string, tf.TensorInfo>;
  const b = cpuBackend(backend);
  const v = f32(b, x!);
  const g = f32(b, dy!);
  const dx = geluGradWasm(v, g) ?? v.map((xi, i) => g[i]! * geluGradScalar(xi));
  return b.makeTensorInfo(x!.shape.slice(), "float32", dx);
}

/** The cpu kernel configs. */
export const GELU_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_GELU, backendName: "cpu", kernelFunc: forwardKernel as tf.KernelFunc },
  { kernelName: SLAK_GELU_GRAD, backendName: "cpu", kernelFunc: gradKernel as tf.KernelFunc },
];

/** Gradient of SlakGelu. */
export const GELU_GRAD: tf.GradConfig = {
  kernelName: SLAK_GELU,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return {
      x: () =>
        tf.engine().runKernel(
          SLAK_GELU_GRAD,
          { x, dy } as unknown as tf.NamedTensorMap,
        ) as tf.Tensor,
    };
  },
};
