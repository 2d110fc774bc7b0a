/**
 * Exact (erf) GELU as one op: `0.5 · x · (1 + erf(x / √2))`. On the cpu backend a fused kernel
 * ("SlakGelu") with a fused derivative, on the WebAssembly SIMD kernel (wasm_gelu.ts) or, where
 * that is unavailable, the same formula in scalar JS (gelu_math.ts); both are within 1e-6
 * relative of the exact GELU and GELU′ (see gelu_math.ts). While a gradient tape records, the
 * forward is "SlakGeluTrain": GELU and GELU′ from one evaluation of Φ and exp(−x²/2), the slope
 * kept for the backward, which is then one multiply (dx = dy · GELU′(x), each product rounded
 * to float32 once, as tfjs's Multiply). Elsewhere the composite of tfjs ops.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32 } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import { geluGradScalar, geluScalar } from "./gelu_math.ts";
import { geluGradWasm, geluTrainWasm, geluWasm } from "./wasm_gelu.ts";

/** Forward kernel name. */
export const SLAK_GELU = "SlakGelu";
/** Backward kernel name: dx = dy · GELU'(x). */
export const SLAK_GELU_GRAD = "SlakGeluGrad";
/** Training forward kernel name: outputs [GELU(x), GELU′(x)]. */
export const SLAK_GELU_TRAIN = "SlakGeluTrain";
/** Backward of the training forward: dx = dy · slope. */
export const SLAK_GELU_SLOPE_GRAD = "SlakGeluSlopeGrad";

const INV_SQRT2 = Math.SQRT1_2;

let trainKernelOn = true;

/**
 * Whether a taped GELU uses the one-pass training forward (default) or SlakGelu with the
 * recomputing SlakGeluGrad backward (for before/after timings and tests); returns the previous
 * setting.
 */
export function useGeluTrainKernel(on: boolean): boolean {
  const was = trainKernelOn;
  trainKernelOn = on;
  return was;
}

function composite<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1)) as T);
}

/** Exact GELU, differentiable. */
export function geluExact<T extends tf.Tensor>(x: T): T {
  if (!fusedCpu()) return composite(x);
  const inputs = { x } as unknown as tf.NamedTensorMap;
  if (trainKernelOn && tf.engine().isTapeOn()) {
    return (tf.engine().runKernel(SLAK_GELU_TRAIN, inputs) as tf.Tensor[])[0] as T;
  }
  return tf.engine().runKernel(SLAK_GELU, inputs) as T;
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

function trainKernel({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const x = (inputs as Record<string, tf.TensorInfo>).x!;
  const b = cpuBackend(backend);
  const v = f32(b, x);
  const [y, slope] = geluTrainWasm(v) ?? [v.map(geluScalar), v.map(geluGradScalar)];
  return [
    b.makeTensorInfo(x.shape.slice(), "float32", y),
    b.makeTensorInfo(x.shape.slice(), "float32", slope),
  ];
}

/** dx = dy · slope elementwise, each product rounded to float32 once. */
export function mulSlope(dy: Float32Array, slope: Float32Array): Float32Array {
  const dx = new Float32Array(dy.length);
  for (let i = 0; i < dx.length; i++) dx[i] = dy[i]! * slope[i]!;
  return dx;
}

function slopeGradKernel({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, slope } = inputs as Record<string, tf.TensorInfo>;
  const b = cpuBackend(backend);
  return b.makeTensorInfo(dy!.shape.slice(), "float32", mulSlope(f32(b, dy!), f32(b, slope!)));
}

/** The cpu kernel configs. */
export const GELU_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_GELU, backendName: "cpu", kernelFunc: forwardKernel as tf.KernelFunc },
  { kernelName: SLAK_GELU_GRAD, backendName: "cpu", kernelFunc: gradKernel as tf.KernelFunc },
  {
    kernelName: SLAK_GELU_TRAIN,
    backendName: "cpu",
    kernelFunc: trainKernel as unknown as tf.KernelFunc,
  },
  {
    kernelName: SLAK_GELU_SLOPE_GRAD,
    backendName: "cpu",
    kernelFunc: slopeGradKernel as tf.KernelFunc,
  },
];

/** Gradient of SlakGeluTrain (through its GELU output; the slope output is not differentiated). */
export const GELU_TRAIN_GRAD: tf.GradConfig = {
  kernelName: SLAK_GELU_TRAIN,
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const [slope] = saved as [tf.Tensor];
    const dy = (dys as tf.Tensor[])[0]!;
    return {
      x: () =>
        tf.engine().runKernel(
          SLAK_GELU_SLOPE_GRAD,
          { dy, slope } as unknown as tf.NamedTensorMap,
        ) as tf.Tensor,
    };
  },
};

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
