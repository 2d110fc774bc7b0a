/**
 * The patch matrix of a k×k stride-k convolution (the stem's 4×4/4, the 2×2/2 downsampling):
 * [N, H, W, C] → [N·Ho·Wo, k·k·C], so that the conv is one matrix product with the [k·k·C, Cout]
 * weight. On the cpu backend one copy kernel ("SlakPatches", gradient "SlakPatchesGrad") instead
 * of tfjs's slice + reshape + 6-D Transpose; elsewhere those tfjs ops. Pure data movement: the
 * same values either way.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import { patchCount, patchesBackward, patchesForward, type PatchGeometry } from "./cpu_patches.ts";

/** Forward kernel name (input x; attrs k and x's shape, for the gradient). */
export const SLAK_PATCHES = "SlakPatches";
/** Backward kernel name (input dy; attrs k and the input shape). */
export const SLAK_PATCHES_GRAD = "SlakPatchesGrad";

function geometry(shape: readonly number[], k: number): PatchGeometry {
  const [n, h, w, c] = shape as [number, number, number, number];
  return { n, h, w, c, k };
}

function composite(x: tf.Tensor4D, k: number): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  const ho = Math.floor(h / k);
  const wo = Math.floor(w / k);
  return tf.tidy(() => {
    let xs: tf.Tensor4D = x;
    if (ho * k !== h || wo * k !== w) xs = tf.slice(x, [0, 0, 0, 0], [n, ho * k, wo * k, c]);
    return tf.reshape(
      tf.transpose(tf.reshape(xs, [n, ho, k, wo, k, c]), [0, 1, 3, 2, 4, 5]),
      [n * ho * wo, k * k * c],
    ) as tf.Tensor2D;
  });
}

/** The [N·Ho·Wo, k·k·C] patch rows of NHWC `x` (k ≥ 1), differentiable. */
export function patchesOf(x: tf.Tensor4D, k: number): tf.Tensor2D {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`patchesOf: bad patch size ${k}`);
  if (!fusedCpu()) return composite(x, k);
  return tf.engine().runKernel(SLAK_PATCHES, { x } as unknown as tf.NamedTensorMap, {
    k,
    shape: x.shape,
  }) as tf.Tensor2D;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function forwardKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = (inputs as Record<string, tf.TensorInfo>).x!;
  const b = cpuBackend(backend);
  const g = geometry(x.shape, (attrs as { k: number }).k);
  const values = patchesForward(b.readSync(x.dataId) as ArrayLike<number>, g);
  return b.makeTensorInfo([patchCount(g), g.k * g.k * g.c], "float32", values);
}

function backwardKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const dy = (inputs as Record<string, tf.TensorInfo>).dy!;
  const a = attrs as { k: number; shape: number[] };
  const b = cpuBackend(backend);
  const values = patchesBackward(
    b.readSync(dy.dataId) as ArrayLike<number>,
    geometry(a.shape, a.k),
  );
  return b.makeTensorInfo(a.shape.slice(), "float32", values);
}

/** The cpu kernel configs. */
export const PATCHES_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_PATCHES, backendName: "cpu", kernelFunc: forwardKernel as tf.KernelFunc },
  {
    kernelName: SLAK_PATCHES_GRAD,
    backendName: "cpu",
    kernelFunc: backwardKernel as tf.KernelFunc,
  },
];

/** Gradient of SlakPatches (x's shape comes from the forward attrs; nothing is saved). */
export const PATCHES_GRAD: tf.GradConfig = {
  kernelName: SLAK_PATCHES,
  inputsToSave: [],
  gradFunc: (dy, _saved, attrs) => {
    const { k, shape } = attrs as unknown as { k: number; shape: number[] };
    return {
      x: () =>
        tf.engine().runKernel(SLAK_PATCHES_GRAD, { dy } as unknown as tf.NamedTensorMap, {
          k,
          shape,
        }) as tf.Tensor,
    };
  },
};
