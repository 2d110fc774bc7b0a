/**
 * The sparse-tap depthwise op: y = Σ_taps w · x(h + dy, w + dx) + bias, stride 1, 'same', NHWC,
 * inference only. Picks the CPU or WebGPU kernel by the active backend; the tap tensors of the
 * WebGPU path are uploaded once per (tap list, padded width) and kept until
 * {@link releaseTapList}.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { sparseTapDepthwiseCpu } from "./cpu.ts";
import type { TapList } from "./tap_list.ts";
import {
  paddedWidth,
  SLAK_SPARSE_TAPS_WEBGPU,
  SPARSE_TAPS_WEBGPU_KERNEL,
  type SparseTapGeometry,
} from "./webgpu.ts";
import { type CpuBackendLike, cpuValues } from "../../ops/large_depthwise/cpu_kernel.ts";

/** Kernel name of the CPU sparse-tap op (inputs x, bias; attrs taps). */
export const SLAK_SPARSE_TAPS_CPU = "SlakSparseTapDepthwiseCpu";

/** Outputs per WebGPU lane along W. */
const R = 4;

function cpuKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, bias } = inputs as Record<string, tf.TensorInfo>;
  const taps = (attrs as unknown as { taps: TapList }).taps;
  const b = backend as unknown as CpuBackendLike;
  const y = sparseTapDepthwiseCpu(cpuValues(b, x!), x!.shape, taps, cpuValues(b, bias!));
  return b.makeTensorInfo(x!.shape.slice(), "float32", y);
}

/** Registers the sparse-tap kernels (idempotent). */
export function registerSparseTapOps(): void {
  if (tf.getKernel(SLAK_SPARSE_TAPS_CPU, "cpu") === undefined) {
    tf.registerKernel({
      kernelName: SLAK_SPARSE_TAPS_CPU,
      backendName: "cpu",
      kernelFunc: cpuKernel,
    });
  }
  if (tf.getKernel(SLAK_SPARSE_TAPS_WEBGPU, "webgpu") === undefined) {
    tf.registerKernel(SPARSE_TAPS_WEBGPU_KERNEL);
  }
}

interface Uploaded {
  start: tf.Tensor;
  pos: tf.Tensor;
  tw: tf.Tensor;
}

const uploads = new WeakMap<TapList, Map<number, Uploaded>>();

function uploaded(taps: TapList, wp: number): Uploaded {
  let per = uploads.get(taps);
  if (!per) uploads.set(taps, per = new Map());
  let u = per.get(wp);
  if (!u) {
    const pos = new Int32Array(taps.w.length);
    for (let t = 0; t < pos.length; t++) pos[t] = taps.dy[t]! * wp + taps.dx[t]!;
    u = tf.tidy(() => ({
      start: tf.keep(tf.tensor1d(taps.start, "int32")),
      pos: tf.keep(tf.tensor1d(pos, "int32")),
      tw: tf.keep(tf.tensor1d(taps.w, "float32")),
    }));
    per.set(wp, u);
  }
  return u;
}

/** Frees the device copies of a tap list's taps. */
export function releaseTapList(taps: TapList): void {
  for (const u of uploads.get(taps)?.values() ?? []) {
    u.start.dispose();
    u.pos.dispose();
    u.tw.dispose();
  }
  uploads.delete(taps);
}

/**
 * Sparse-tap depthwise conv of NHWC `x` with the taps of `taps` plus `bias` [C]. Taps must fit
 * the input (|dy| < H, |dx| < W, see buildTapList's h/w). Requires registerSparseTapOps().
 */
export function sparseTapDepthwise(x: tf.Tensor4D, taps: TapList, bias: tf.Tensor1D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (c !== taps.c || bias.shape[0] !== c) {
    throw new Error(`sparseTapDepthwise: x [${x.shape}] needs ${c}-channel taps and bias [${c}]`);
  }
  if (taps.maxDy >= h || taps.maxDx >= w) {
    throw new Error(
      `sparseTapDepthwise: taps reach ${taps.maxDy}x${taps.maxDx} but the input is ${h}x${w}; ` +
        `build the list with { h, w }`,
    );
  }
  registerSparseTapOps();
  if (tf.getBackend() !== "webgpu") {
    return tf.engine().runKernel(
      SLAK_SPARSE_TAPS_CPU,
      { x, bias },
      { taps } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor4D;
  }
  const g: SparseTapGeometry = { n, h, w, c, ph: taps.maxDy, pw: taps.maxDx, r: R };
  const wp = paddedWidth(g);
  const u = uploaded(taps, wp);
  return tf.tidy(() => {
    const xt = tf.transpose(x, [0, 3, 1, 2]);
    const xp = tf.pad(xt, [[0, 0], [0, 0], [g.ph, g.ph], [g.pw, wp - w - g.pw]]);
    return tf.engine().runKernel(
      SLAK_SPARSE_TAPS_WEBGPU,
      { xp, start: u.start, pos: u.pos, tw: u.tw, bias },
      { geometry: g } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor4D;
  });
}
