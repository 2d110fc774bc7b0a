/**
 * Fused same-shape adds for the cpu backend: an N-ary add (residuals, sums of parallel branches,
 * gradient accumulation) and the residual add with drop path folded in as a per-sample scale,
 * `out = x + scale[n]·branch`. Each replaces a chain of tfjs Add/Mul kernels (the drop-path Mul
 * broadcasts a [N,1,1,1] tensor through tfjs's slow per-element index path) with one loop and
 * gives the same bits. Gradients: the add passes dy to every input; the scaled add passes dy to x
 * and scale[n]·dy to the branch (the scale is a constant). Elsewhere (WebGPU) the same tfjs ops
 * as before.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import { addArrays, scaledAddArrays, scaleSamples } from "./cpu_add.ts";

/** N-ary same-shape add kernel (inputs t0, t1, …; attr `count`). */
export const SLAK_ADD_SAME = "SlakAddSame";
/** x + s[n]·y kernel (inputs x, y, s). */
export const SLAK_SCALED_ADD = "SlakScaledAdd";
/** s[n]·y kernel (inputs y, s): the branch gradient of {@link SLAK_SCALED_ADD}. */
export const SLAK_SCALE_SAMPLES = "SlakScaleSamples";

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap = {}) {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs) as tf.Tensor;
}

function checkSameShape(what: string, tensors: readonly tf.Tensor[]): void {
  const shape = tensors[0]!.shape;
  for (const t of tensors) {
    if (!tf.util.arraysEqual(t.shape, shape)) {
      throw new RangeError(`${what}: shapes differ, [${shape}] and [${t.shape}]`);
    }
  }
}

/**
 * ((t₀ + t₁) + t₂) + … of same-shape float32 tensors (at least one), differentiable: the same
 * values as chained `tf.add`, one pass on the cpu backend.
 */
export function addSame<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 0) throw new RangeError("addSame: no tensors");
  checkSameShape("addSame", tensors);
  if (tensors.length === 1) return tensors[0]!;
  if (!fusedCpu()) {
    return tf.tidy(() =>
      tensors.slice(1).reduce((s: tf.Tensor, t) => tf.add(s, t), tensors[0]!)
    ) as T;
  }
  const inputs = Object.fromEntries(tensors.map((t, i) => [`t${i}`, t]));
  return run(SLAK_ADD_SAME, inputs, { count: tensors.length }) as T;
}

/**
 * x + scale[n]·branch, n the leading (sample) axis: the residual add with drop path's per-sample
 * keep/scale factors (`scale` null: a plain add). Differentiable in x and branch.
 */
export function scaledResidualAdd<T extends tf.Tensor>(
  x: T,
  branch: T,
  scale: Float32Array | null,
): T {
  if (scale === null) return addSame([x, branch]);
  checkSameShape("scaledResidualAdd", [x, branch]);
  if (scale.length !== x.shape[0]) {
    throw new RangeError(`scaledResidualAdd: ${scale.length} scales for ${x.shape[0]} samples`);
  }
  return tf.tidy(() => {
    if (!fusedCpu()) {
      const s = tf.tensor(scale, [scale.length, ...x.shape.slice(1).map(() => 1)]);
      return tf.add(x, tf.mul(branch, s)) as T;
    }
    return run(SLAK_SCALED_ADD, { x, y: branch, s: tf.tensor1d(scale) }) as T;
  });
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function values(backend: unknown, t: tf.TensorInfo): ArrayLike<number> {
  return cpuBackend(backend).readSync(t.dataId) as ArrayLike<number>;
}

function output(backend: unknown, like: tf.TensorInfo, v: Float32Array): tf.TensorInfo {
  return cpuBackend(backend).makeTensorInfo(like.shape.slice(), "float32", v);
}

function addSameKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const count = (attrs as { count: number }).count;
  const ins = inputs as Record<string, tf.TensorInfo>;
  const list = Array.from({ length: count }, (_, i) => ins[`t${i}`]!);
  return output(backend, list[0]!, addArrays(list.map((t) => values(backend, t))));
}

function scaledAddKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, y, s } = inputs as Record<string, tf.TensorInfo>;
  const v = (t: tf.TensorInfo) => values(backend, t);
  return output(backend, x!, scaledAddArrays(v(x!), v(y!), v(s!)));
}

function scaleSamplesKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { y, s } = inputs as Record<string, tf.TensorInfo>;
  return output(backend, y!, scaleSamples(values(backend, y!), values(backend, s!)));
}

/** The cpu kernel configs. */
export const FUSED_ADD_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_ADD_SAME, backendName: "cpu", kernelFunc: addSameKernel as tf.KernelFunc },
  { kernelName: SLAK_SCALED_ADD, backendName: "cpu", kernelFunc: scaledAddKernel as tf.KernelFunc },
  {
    kernelName: SLAK_SCALE_SAMPLES,
    backendName: "cpu",
    kernelFunc: scaleSamplesKernel as tf.KernelFunc,
  },
];

/** Gradients of the fused adds. */
export const FUSED_ADD_GRADS: tf.GradConfig[] = [
  {
    kernelName: SLAK_ADD_SAME,
    inputsToSave: [],
    gradFunc: (dy, _saved, attrs) => {
      const count = (attrs as unknown as { count: number }).count;
      const d = dy as tf.Tensor;
      return Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`t${i}`, () => d.clone()]),
      );
    },
  },
  {
    kernelName: SLAK_SCALED_ADD,
    inputsToSave: ["s"],
    gradFunc: (dy, saved) => {
      const [s] = saved as [tf.Tensor];
      const d = dy as tf.Tensor;
      return {
        x: () => d.clone(),
        y: () => run(SLAK_SCALE_SAMPLES, { y: d, s }),
        s: () => tf.zerosLike(s),
      };
    },
  },
];
