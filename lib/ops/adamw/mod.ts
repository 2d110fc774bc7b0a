/**
 * One AdamW update of a parameter and its moments (decoupled weight decay, bias-corrected):
 *
 *     p ← p · (1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *     p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps)
 *
 * With a sparsity mask the new parameter is `p ⊙ mask` (official `Masking.apply_mask` after the
 * optimizer step), applied as the kernel writes it: bit-identical to multiplying afterwards (the
 * value is rounded to float32 first, then multiplied, as tfjs's Mul does).
 *
 * On the cpu backend one fused kernel ("SlakAdamW", three outputs) replaces about a dozen
 * broadcasting elementwise ops per parameter, and the mask multiply; elsewhere it is the
 * composite of tfjs ops.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32, isCpuBackend } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";

/** Kernel name. */
export const SLAK_ADAMW = "SlakAdamW";

/** Scalars of one AdamW update. */
export interface AdamWStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Weight decay applied to this parameter (0 for 1-D parameters and biases). */
  weightDecay: number;
  /** 1 − β1ᵗ. */
  biasCorrection1: number;
  /** 1 − β2ᵗ. */
  biasCorrection2: number;
}

function composite(
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  s: AdamWStep,
  mask: tf.Tensor | null,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const decayed = s.weightDecay > 0 ? tf.mul(p, 1 - s.lr * s.weightDecay) : p;
    const m2 = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1));
    const v2 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.mul(g, g), 1 - s.beta2));
    const denom = tf.add(tf.div(tf.sqrt(v2), Math.sqrt(s.biasCorrection2)), s.eps);
    const p2 = tf.sub(decayed, tf.mul(tf.div(m2, denom), s.lr / s.biasCorrection1));
    return [mask === null ? p2 : tf.mul(p2, mask), m2, v2];
  });
}

/**
 * The updated parameter (times `mask` when given: a tensor of p's shape) and moments (new
 * tensors; the caller assigns them).
 */
export function adamwUpdate(
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  step: AdamWStep,
  mask: tf.Tensor | null = null,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (mask !== null && !tf.util.arraysEqual(mask.shape, p.shape)) {
    throw new RangeError(`adamwUpdate: mask is [${mask.shape}], parameter [${p.shape}]`);
  }
  if (!isCpuBackend()) return composite(p, m, v, g, step, mask);
  if (mask !== null && !fusedCpu()) {
    return tf.tidy(() => {
      const [p2, m2, v2] = adamwUpdate(p, m, v, g, step);
      return [tf.mul(p2, mask), m2, v2];
    });
  }
  const inputs = mask === null ? { p, m, v, g } : { p, m, v, g, mask };
  return tf.engine().runKernel(
    SLAK_ADAMW,
    inputs as unknown as tf.NamedTensorMap,
    step as unknown as tf.NamedAttrMap,
  ) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

function cpuKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { p, m, v, g, mask } = inputs as Record<string, tf.TensorInfo | undefined>;
  const s = attrs as unknown as AdamWStep;
  const b = cpuBackend(backend);
  const pv = f32(b, p!);
  const mv = f32(b, m!);
  const vv = f32(b, v!);
  const gv = f32(b, g!);
  // any numeric backing store (a float32 cast from bool keeps its Uint8Array on the cpu backend)
  const mk = mask === undefined ? null : (b.readSync(mask.dataId) as ArrayLike<number>);
  const n = pv.length;
  const p2 = new Float32Array(n);
  const m2 = new Float32Array(n);
  const v2 = new Float32Array(n);
  const decay = 1 - s.lr * s.weightDecay;
  const stepSize = s.lr / s.biasCorrection1;
  const sqrtBc2 = Math.sqrt(s.biasCorrection2);
  const c1 = 1 - s.beta1;
  const c2 = 1 - s.beta2;
  for (let i = 0; i < n; i++) {
    const gi = gv[i]!;
    const mi = s.beta1 * mv[i]! + c1 * gi;
    const vi = s.beta2 * vv[i]! + c2 * gi * gi;
    m2[i] = mi;
    v2[i] = vi;
    const pi = pv[i]! * decay - stepSize * (mi / (Math.sqrt(vi) / sqrtBc2 + s.eps));
    // masked: round to float32, then multiply (as a separate tfjs Mul after the update would)
    p2[i] = mk === null ? pi : Math.fround(pi) * mk[i]!;
  }
  const shape = p!.shape.slice();
  return [
    b.makeTensorInfo(shape, "float32", p2),
    b.makeTensorInfo(shape.slice(), "float32", m2),
    b.makeTensorInfo(shape.slice(), "float32", v2),
  ];
}

/** The cpu kernel config. */
export const ADAMW_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_ADAMW, backendName: "cpu", kernelFunc: cpuKernel as unknown as tf.KernelFunc },
];
