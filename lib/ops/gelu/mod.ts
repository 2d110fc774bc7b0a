/**
 * Exact (erf) GELU as one op: `0.5 · x · (1 + erf(x / √2))`. On the cpu backend a fused kernel
 * ("SlakGelu") with a fused derivative; elsewhere the composite of tfjs ops. erf uses the
 * Abramowitz–Stegun 7.1.26 rational approximation (|error| ≤ 1.5e-7), the same as tfjs's Erf.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32, isCpuBackend } from "../_cpu/backend.ts";

/** Forward kernel name. */
export const SLAK_GELU = "SlakGelu";
/** Backward kernel name: dx = dy · GELU'(x). */
export const SLAK_GELU_GRAD = "SlakGeluGrad";

const P = 0.3275911;
const A1 = 0.254829592;
const A2 = -0.284496736;
const A3 = 1.421413741;
const A4 = -1.453152027;
const A5 = 1.061405429;
const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + P * a);
  const y = 1 - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * Math.exp(-a * a);
  return s * y;
}

function composite<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1)) as T);
}

/** Exact GELU, differentiable. */
export function geluExact<T extends tf.Tensor>(x: T): T {
  if (!isCpuBackend()) return composite(x);
  return tf.engine().runKernel(SLAK_GELU, { x } as unknown as tf.NamedTensorMap) as T;
}

function forwardKernel({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const x = (inputs as Record<string, tf.TensorInfo>).x!;
  const b = cpuBackend(backend);
  const v = f32(b, x);
  const y = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const xi = v[i]!;
    y[i] = 0.5 * xi * (1 + erf(xi * INV_SQRT2));
  }
  return b.makeTensorInfo(x.shape.slice(), "float32", y);
}

function gradKernel({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as Record<string, tf.TensorInfo>;
  const b = cpuBackend(backend);
  const v = f32(b, x!);
  const g = f32(b, dy!);
  const dx = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const xi = v[i]!;
    const cdf = 0.5 * (1 + erf(xi * INV_SQRT2));
    dx[i] = g[i]! * (cdf + xi * INV_SQRT_2PI * Math.exp(-0.5 * xi * xi));
  }
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
