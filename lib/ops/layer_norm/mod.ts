/**
 * `layerNormLastAxis(x, gamma, beta, eps)`: LayerNorm over the last axis. On the cpu backend it is
 * one fused kernel ("SlakLayerNorm", with a fused backward "SlakLayerNormGrad"): tfjs-cpu's
 * broadcasting elementwise ops made the composite LayerNorm a large share of a training step.
 * Elsewhere it is the composite of tfjs ops (moments, rsqrt, mul, add).
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32, fusedGradConfig, isCpuBackend } from "../_cpu/backend.ts";
import { layerNormCpu, layerNormGradCpu } from "./cpu_layer_norm.ts";

/** Forward kernel name. */
export const SLAK_LAYER_NORM = "SlakLayerNorm";
/** Backward kernel name (outputs dx, dgamma, dbeta). */
export const SLAK_LAYER_NORM_GRAD = "SlakLayerNormGrad";

interface LnAttrs {
  eps: number;
}

function composite<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, x.rank - 1, true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(y, gamma), beta) as T;
  });
}

/** LayerNorm over the last axis (biased variance), differentiable. */
export function layerNormLastAxis<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps = 1e-6,
): T {
  if (!isCpuBackend()) return composite(x, gamma, beta, eps);
  const attrs: LnAttrs = { eps };
  return tf.engine().runKernel(
    SLAK_LAYER_NORM,
    { x, gamma, beta } as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as T;
}

function forwardKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const cpu = cpuBackend(backend);
  const c = x!.shape[x!.shape.length - 1]!;
  const y = layerNormCpu(
    f32(cpu, x!),
    f32(cpu, gamma!),
    f32(cpu, beta!),
    c,
    (attrs as unknown as LnAttrs).eps,
  );
  return cpu.makeTensorInfo(x!.shape.slice(), "float32", y);
}

function gradKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { x, gamma, dy } = inputs as Record<string, tf.TensorInfo>;
  const cpu = cpuBackend(backend);
  const c = x!.shape[x!.shape.length - 1]!;
  const [dx, dg, db] = layerNormGradCpu(
    f32(cpu, x!),
    f32(cpu, gamma!),
    f32(cpu, dy!),
    c,
    (attrs as unknown as LnAttrs).eps,
  );
  return [
    cpu.makeTensorInfo(x!.shape.slice(), "float32", dx),
    cpu.makeTensorInfo([c], "float32", dg),
    cpu.makeTensorInfo([c], "float32", db),
  ];
}

/** The cpu kernel configs. */
export const LAYER_NORM_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_LAYER_NORM, backendName: "cpu", kernelFunc: forwardKernel as tf.KernelFunc },
  {
    kernelName: SLAK_LAYER_NORM_GRAD,
    backendName: "cpu",
    kernelFunc: gradKernel as unknown as tf.KernelFunc,
  },
];

/** Gradient of SlakLayerNorm through the fused backward kernel (run once, shared). */
export const LAYER_NORM_GRAD: tf.GradConfig = fusedGradConfig(
  SLAK_LAYER_NORM,
  SLAK_LAYER_NORM_GRAD,
  ["x", "gamma"],
  ["x", "gamma", "beta"],
);
