/**
 * `linearFused(x, w, b, opts)`: a linear layer's `x · W + b` on 2-D `x`, optionally followed by
 * the exact GELU or by a per-channel scale (ConvNeXt's layer scale), as one op. On the cpu
 * backend with the fused ops on, one kernel ("SlakLinear"): the product's C stays in the wasm
 * kernel memory and the bias is added while it is copied out (or staged straight into the GELU
 * kernel), so no intermediate C or `C + b` tensor is made; its backward ("SlakLinearGrad") forms
 * dH = dy (· GELU′ or · scale) once, with the bias (and scale) gradients summed in the same pass
 * (on the WebAssembly SIMD prologue of wasm_grad_prologue.ts where it runs, else in JS loops; same
 * bits), and runs the two products from it. Every value is rounded as in the composition
 * `channelAffine(matMul2d(x, w), null, b)` → `geluExact` / `channelAffine(·, scale, null)`, so
 * the fused op gives the same bits; elsewhere that composition runs.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend, f32 } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import { channelAffine } from "../channel_affine/mod.ts";
import { geluExact } from "../gelu/mod.ts";
import { geluGradScalar, geluScalar } from "../gelu/gelu_math.ts";
import { geluWasmFilled } from "../gelu/wasm_gelu.ts";
import { matMul2d } from "../matmul/mod.ts";
import { matmulCpu, matmulCpuScratch } from "../matmul/cpu_matmul.ts";
import { claimAux, fileAux, recycleBuffer, takeBuffer } from "./aux_store.ts";
import { prologue } from "./grad_prologue.ts";

/**
 * Forward kernel name: outputs [y, handle]; the handle is a zero-size tensor under which the GELU
 * slope or `x·W + b` is filed for the backward (aux_store.ts) when a tape records.
 */
export const SLAK_LINEAR = "SlakLinear";
/** Backward kernel name: outputs [dx, dw, db, dscale] (dscale zero-size without a scale). */
export const SLAK_LINEAR_GRAD = "SlakLinearGrad";

/** What follows the bias add. */
export interface LinearFusedOptions {
  /** Exact (erf) GELU after the bias add. */
  gelu?: boolean;
  /** Per-output-channel scale [out] after the bias add (not together with `gelu`). */
  scale?: tf.Tensor1D | null;
}

interface LinearAttrs {
  gelu: boolean;
  hasScale: boolean;
  /** Whether aux is produced (a gradient tape records): the slope or the pre-scale values. */
  keepAux: boolean;
}

const EMPTY = (): tf.Tensor1D => tf.zeros([0]) as tf.Tensor1D;

let fusedOn = true;

/**
 * Whether `linearFused` runs the fused kernel on the cpu backend (default) or the unfused
 * composition (same bits; for before/after timings and tests). Returns the previous setting.
 */
export function useFusedLinear(on: boolean): boolean {
  const was = fusedOn;
  fusedOn = on;
  return was;
}

/** `x · W + b` then GELU or `· scale` (per `opts`) for x [m, in], W [in, out], b [out]. */
export function linearFused(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  opts: LinearFusedOptions = {},
): tf.Tensor2D {
  const gelu = opts.gelu === true;
  const scale = opts.scale ?? null;
  if (gelu && scale !== null) throw new Error("linearFused(): gelu and scale together");
  if (!fusedOn || !fusedCpu()) {
    return tf.tidy(() => {
      let y: tf.Tensor2D = channelAffine(matMul2d(x, w), null, b);
      if (gelu) y = geluExact(y);
      if (scale !== null) y = channelAffine(y, scale, null);
      return y;
    });
  }
  const attrs: LinearAttrs = {
    gelu,
    hasScale: scale !== null,
    keepAux: (gelu || scale !== null) && tf.engine().isTapeOn(),
  };
  return tf.tidy(() => {
    const outs = tf.engine().runKernel(
      SLAK_LINEAR,
      { x, w, b, scale: scale ?? EMPTY() } as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as unknown as tf.Tensor[];
    return outs[0] as tf.Tensor2D;
  });
}

/** dst[r, j] = c[r, j] + bias[j] for rows of `bias.length` (each sum rounded to float32 once). */
export function addBiasRows(c: Float32Array, bias: Float32Array, dst: Float32Array): Float32Array {
  const n = bias.length;
  for (let o = 0; o < dst.length; o += n) {
    for (let j = 0; j < n; j++) dst[o + j] = c[o + j]! + bias[j]!;
  }
  return dst;
}

/** dst[r, j] = h[r, j] · scale[j] (each product rounded to float32 once). */
function scaleRows(h: Float32Array, scale: Float32Array, dst: Float32Array): Float32Array {
  const n = scale.length;
  for (let o = 0; o < dst.length; o += n) {
    for (let j = 0; j < n; j++) dst[o + j] = h[o + j]! * scale[j]!;
  }
  return dst;
}

function forwardKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { x, w, b, scale } = inputs as Record<string, tf.TensorInfo>;
  const { gelu, hasScale, keepAux } = attrs as unknown as LinearAttrs;
  const cpu = cpuBackend(backend);
  const [m, k] = x!.shape as [number, number];
  const [k2, n] = w!.shape as [number, number];
  if (k !== k2) throw new Error(`linearFused(): inner dimensions ${k} and ${k2} differ`);
  if (b!.shape[0] !== n) throw new Error(`linearFused(): bias [${b!.shape}] for ${n} outputs`);
  const bias = f32(cpu, b!);
  // C is a view of the kernel memory when the wasm product ran: consume it before any other call
  const c = matmulCpuScratch(f32(cpu, x!), f32(cpu, w!), m, k, n, false, false);
  const handle = cpu.makeTensorInfo([0], "float32", new Float32Array(0));
  let y: Float32Array;
  if (gelu) {
    const slope = keepAux ? takeBuffer(m * n) : undefined;
    const outs = geluWasmFilled(m * n, keepAux, (dst) => addBiasRows(c, bias, dst), slope);
    if (outs !== null) {
      y = outs[0]!;
    } else {
      const h = addBiasRows(c, bias, new Float32Array(m * n));
      y = h.map(geluScalar);
      if (slope !== undefined) slope.set(h.map(geluGradScalar));
    }
    if (slope !== undefined) fileAux(handle.dataId, slope);
  } else if (hasScale) {
    const h = addBiasRows(c, bias, takeBuffer(m * n));
    y = scaleRows(h, f32(cpu, scale!), new Float32Array(m * n));
    if (keepAux) fileAux(handle.dataId, h);
    else recycleBuffer(h);
  } else {
    y = addBiasRows(c, bias, new Float32Array(m * n));
  }
  return [cpu.makeTensorInfo([m, n], "float32", y), handle];
}

function gradKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { x, w, scale, aux, dy } = inputs as Record<string, tf.TensorInfo>;
  const { gelu, hasScale } = attrs as unknown as LinearAttrs;
  const cpu = cpuBackend(backend);
  const [m, k] = x!.shape as [number, number];
  const n = w!.shape[1]!;
  const kept = gelu || hasScale ? claimAux(aux!.dataId) : null;
  const s = hasScale ? f32(cpu, scale!) : null;
  // g may be a view of the prologue module's memory: the products below do not call into it
  const { g, db, ds } = prologue(f32(cpu, dy!), kept, s, m, n, gelu);
  const dbOut = Float32Array.from(db);
  const dsOut = Float32Array.from(ds);
  if (kept !== null) recycleBuffer(kept);
  const dx = matmulCpu(g, f32(cpu, w!), m, n, k, false, true);
  const dw = matmulCpu(f32(cpu, x!), g, k, m, n, true, false);
  return [
    cpu.makeTensorInfo([m, k], "float32", dx),
    cpu.makeTensorInfo([k, n], "float32", dw),
    cpu.makeTensorInfo([n], "float32", dbOut),
    cpu.makeTensorInfo([dsOut.length], "float32", dsOut),
  ];
}

/** The cpu kernel configs. */
export const LINEAR_CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: SLAK_LINEAR, backendName: "cpu", kernelFunc: forwardKernel as tf.KernelFunc },
  {
    kernelName: SLAK_LINEAR_GRAD,
    backendName: "cpu",
    kernelFunc: gradKernel as unknown as tf.KernelFunc,
  },
];

/** Gradient of SlakLinear (through y; aux is not differentiated) via the fused backward kernel. */
export const LINEAR_GRAD: tf.GradConfig = {
  kernelName: SLAK_LINEAR,
  inputsToSave: ["x", "w", "scale"],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, w, scale, aux] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const dy = (dys as tf.Tensor[])[0]!;
    const grads = tf.engine().runKernel(
      SLAK_LINEAR_GRAD,
      { x, w, scale, aux, dy } as unknown as tf.NamedTensorMap,
      attrs,
    ) as unknown as tf.Tensor[];
    return { x: () => grads[0]!, w: () => grads[1]!, b: () => grads[2]!, scale: () => grads[3]! };
  },
};
