/**
 * Training-mode BatchNorm normalisation over all axes but the last (NHWC → per channel):
 * `y = (x − μ_B) / √(σ²_B + eps) · γ + β` with the batch's mean and biased variance. On the cpu
 * backend a fused kernel ("SlakBatchNormTrain") with a fused backward; elsewhere tfjs ops.
 * `batchMoments` returns the statistics (for the running-stat update, no gradient).
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32, fusedGradConfig, isCpuBackend } from "../_cpu/backend.ts";

/** Forward kernel name. */
export const SLAK_BN_TRAIN = "SlakBatchNormTrain";
/** Backward kernel name (outputs dx, dgamma, dbeta). */
export const SLAK_BN_TRAIN_GRAD = "SlakBatchNormTrainGrad";

interface BnAttrs {
  eps: number;
}

/** Per-channel mean and biased variance over all axes but the last (float64 accumulation). */
export function channelMoments(
  x: Float32Array,
  c: number,
): { mean: Float64Array; variance: Float64Array } {
  const rows = x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let i = 0; i < c; i++) mean[i] = mean[i]! + x[o + i]!;
  }
  for (let i = 0; i < c; i++) mean[i] = mean[i]! / rows;
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let i = 0; i < c; i++) {
      const d = x[o + i]! - mean[i]!;
      variance[i] = variance[i]! + d * d;
    }
  }
  for (let i = 0; i < c; i++) variance[i] = variance[i]! / rows;
  return { mean, variance };
}

/** Batch mean and biased variance per channel (not differentiated). */
export function batchMoments(x: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const c = x.shape[x.rank - 1]!;
  if (!isCpuBackend()) {
    return tf.tidy(() => {
      const m = tf.moments(x, [...Array(x.rank - 1).keys()]);
      return { mean: m.mean as tf.Tensor1D, variance: m.variance as tf.Tensor1D };
    });
  }
  const { mean, variance } = channelMoments(x.dataSync() as Float32Array, c);
  return {
    mean: tf.tensor1d(Float32Array.from(mean)),
    variance: tf.tensor1d(Float32Array.from(variance)),
  };
}

/** Training-mode BN normalisation with batch statistics, differentiable. */
export function batchNormTrain<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): T {
  if (!isCpuBackend()) {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
      const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      return tf.add(tf.mul(y, gamma), beta) as T;
    });
  }
  const attrs: BnAttrs = { eps };
  return tf.engine().runKernel(
    SLAK_BN_TRAIN,
    { x, gamma, beta } as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as T;
}

function forwardKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const b = cpuBackend(backend);
  const c = x!.shape[x!.shape.length - 1]!;
  const xv = f32(b, x!);
  const g = f32(b, gamma!);
  const be = f32(b, beta!);
  const { mean, variance } = channelMoments(xv, c);
  const eps = (attrs as unknown as BnAttrs).eps;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = g[i]! / Math.sqrt(variance[i]! + eps);
    shift[i] = be[i]! - mean[i]! * scale[i]!;
  }
  const y = new Float32Array(xv.length);
  for (let o = 0; o < xv.length; o += c) {
    for (let i = 0; i < c; i++) y[o + i] = xv[o + i]! * scale[i]! + shift[i]!;
  }
  return b.makeTensorInfo(x!.shape.slice(), "float32", y);
}

function gradKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { x, gamma, dy } = inputs as Record<string, tf.TensorInfo>;
  const b = cpuBackend(backend);
  const c = x!.shape[x!.shape.length - 1]!;
  const xv = f32(b, x!);
  const g = f32(b, gamma!);
  const d = f32(b, dy!);
  const rows = xv.length / c;
  const { mean, variance } = channelMoments(xv, c);
  const eps = (attrs as unknown as BnAttrs).eps;
  const rstd = new Float64Array(c);
  for (let i = 0; i < c; i++) rstd[i] = 1 / Math.sqrt(variance[i]! + eps);
  const sumDy = new Float64Array(c);
  const sumDyXhat = new Float64Array(c);
  for (let o = 0; o < xv.length; o += c) {
    for (let i = 0; i < c; i++) {
      const dyi = d[o + i]!;
      sumDy[i] = sumDy[i]! + dyi;
      sumDyXhat[i] = sumDyXhat[i]! + dyi * (xv[o + i]! - mean[i]!) * rstd[i]!;
    }
  }
  const dx = new Float32Array(xv.length);
  for (let o = 0; o < xv.length; o += c) {
    for (let i = 0; i < c; i++) {
      const xhat = (xv[o + i]! - mean[i]!) * rstd[i]!;
      dx[o + i] = (g[i]! * rstd[i]! / rows) *
        (rows * d[o + i]! - sumDy[i]! - xhat * sumDyXhat[i]!);
    }
  }
  return [
    b.makeTensorInfo(x!.shape.slice(), "float32", dx),
    b.makeTensorInfo([c], "float32", Float32Array.from(sumDyXhat)),
    b.makeTensorInfo([c], "float32", Float32Array.from(sumDy)),
  ];
}

/** The cpu kernel configs. */
export const BATCH_NORM_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_BN_TRAIN, backendName: "cpu", kernelFunc: forwardKernel as tf.KernelFunc },
  {
    kernelName: SLAK_BN_TRAIN_GRAD,
    backendName: "cpu",
    kernelFunc: gradKernel as unknown as tf.KernelFunc,
  },
];

/** Gradient of SlakBatchNormTrain through the fused backward kernel. */
export const BATCH_NORM_GRAD: tf.GradConfig = fusedGradConfig(
  SLAK_BN_TRAIN,
  SLAK_BN_TRAIN_GRAD,
  ["x", "gamma"],
  ["x", "gamma", "beta"],
);
