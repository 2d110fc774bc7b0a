/**
 * `channelAffine(x, scale, bias)`: `x · scale + bias` with per-channel (last-axis) vectors, either
 * of which may be null — the bias add of linear layers and the layer-scale multiply. On the cpu
 * backend one fused kernel ("SlakChannelAffine") with a fused backward, replacing tfjs-cpu's
 * generic broadcasting Add/Mul and the Sum reductions of their gradients; elsewhere tfjs ops.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32, fusedGradConfig, isCpuBackend } from "../_cpu/backend.ts";

/** Forward kernel name. */
export const SLAK_CHANNEL_AFFINE = "SlakChannelAffine";
/** Backward kernel name (outputs dx, dscale, dbias; absent parts are zero-size). */
export const SLAK_CHANNEL_AFFINE_GRAD = "SlakChannelAffineGrad";

interface AffineAttrs {
  hasScale: boolean;
  hasBias: boolean;
}

const EMPTY = (): tf.Tensor1D => tf.zeros([0]) as tf.Tensor1D;

/** `x · scale + bias` over the last axis (scale/bias [C] or null), differentiable. */
export function channelAffine<T extends tf.Tensor>(
  x: T,
  scale: tf.Tensor1D | null,
  bias: tf.Tensor1D | null,
): T {
  if (!isCpuBackend()) {
    return tf.tidy(() => {
      let y: tf.Tensor = x;
      if (scale) y = tf.mul(y, scale);
      if (bias) y = tf.add(y, bias);
      return y as T;
    });
  }
  const attrs: AffineAttrs = { hasScale: scale !== null, hasBias: bias !== null };
  return tf.tidy(() =>
    tf.engine().runKernel(
      SLAK_CHANNEL_AFFINE,
      { x, scale: scale ?? EMPTY(), bias: bias ?? EMPTY() } as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as T
  );
}

function forwardKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, scale, bias } = inputs as Record<string, tf.TensorInfo>;
  const { hasScale, hasBias } = attrs as unknown as AffineAttrs;
  const b = cpuBackend(backend);
  const c = x!.shape[x!.shape.length - 1]!;
  const xv = f32(b, x!);
  const s = hasScale ? f32(b, scale!) : null;
  const t = hasBias ? f32(b, bias!) : null;
  const y = new Float32Array(xv.length);
  for (let o = 0; o < xv.length; o += c) {
    if (s && t) { for (let i = 0; i < c; i++) y[o + i] = xv[o + i]! * s[i]! + t[i]!; }
    else if (s) { for (let i = 0; i < c; i++) y[o + i] = xv[o + i]! * s[i]!; }
    else if (t) { for (let i = 0; i < c; i++) y[o + i] = xv[o + i]! + t[i]!; }
    else for (let i = 0; i < c; i++) y[o + i] = xv[o + i]!;
  }
  return b.makeTensorInfo(x!.shape.slice(), "float32", y);
}

function gradKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { x, scale, dy } = inputs as Record<string, tf.TensorInfo>;
  const { hasScale, hasBias } = attrs as unknown as AffineAttrs;
  const b = cpuBackend(backend);
  const c = x!.shape[x!.shape.length - 1]!;
  const xv = f32(b, x!);
  const d = f32(b, dy!);
  const s = hasScale ? f32(b, scale!) : null;
  const dx = s ? new Float32Array(xv.length) : Float32Array.from(d);
  const ds = new Float64Array(hasScale ? c : 0);
  const db = new Float64Array(hasBias ? c : 0);
  for (let o = 0; o < xv.length; o += c) {
    if (s) {
      for (let i = 0; i < c; i++) {
        const g = d[o + i]!;
        dx[o + i] = g * s[i]!;
        ds[i] = ds[i]! + g * xv[o + i]!;
      }
    }
    if (hasBias) { for (let i = 0; i < c; i++) db[i] = db[i]! + d[o + i]!; }
  }
  return [
    b.makeTensorInfo(x!.shape.slice(), "float32", dx),
    b.makeTensorInfo([ds.length], "float32", Float32Array.from(ds)),
    b.makeTensorInfo([db.length], "float32", Float32Array.from(db)),
  ];
}

/** The cpu kernel configs. */
export const CHANNEL_AFFINE_CPU_KERNELS: tf.KernelConfig[] = [
  {
    kernelName: SLAK_CHANNEL_AFFINE,
    backendName: "cpu",
    kernelFunc: forwardKernel as tf.KernelFunc,
  },
  {
    kernelName: SLAK_CHANNEL_AFFINE_GRAD,
    backendName: "cpu",
    kernelFunc: gradKernel as unknown as tf.KernelFunc,
  },
];

/** Gradient of SlakChannelAffine through the fused backward kernel. */
export const CHANNEL_AFFINE_GRAD: tf.GradConfig = fusedGradConfig(
  SLAK_CHANNEL_AFFINE,
  SLAK_CHANNEL_AFFINE_GRAD,
  ["x", "scale"],
  ["x", "scale", "bias"],
);
