/**
 * A fast path in front of tfjs-cpu's own "Add" kernel for the one case a training step spends most
 * of its Add time on: two float32 tensors of the same shape (tfjs's backprop sums the gradients of
 * a tensor used by several ops with `Add`, e.g. a block input feeding the residual and the
 * large-kernel branches). tfjs-cpu's generic broadcasting loop computes a multi-index per element;
 * the fast path is one flat loop. Each sum is the float32 rounding of one addition of float32
 * operands, as in tfjs's kernel, so the bits are the same. Every other case (broadcasting, other
 * dtypes), and every call while the fused cpu ops or this path are off, goes to tfjs's kernel.
 *
 * This is the one place the toolkit wraps a kernel of tfjs's own name; the wrapped kernel stays
 * the reference and the fallback.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import { type FastPath, overrideCpuKernel } from "../_cpu/kernel_override.ts";

let enabled = true;
let taken = 0;

/** Turns the same-shape Add fast path on (default) or off; returns the previous setting. */
export function useSameShapeAdd(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** How many Add calls took the fast path in this process (for tests and profiling). */
export function sameShapeAddCount(): number {
  return taken;
}

/** a + b elementwise, each sum rounded to float32 (a and b the same length). */
export function addSameShapeArrays(a: Float32Array, b: Float32Array): Float32Array {
  const n = a.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The fast path: same-shape float32 operands, else `undefined` (tfjs's kernel runs). */
const sameShapeAdd: FastPath = (args) => {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
  if (
    !enabled || !fusedCpu() || a === undefined || b === undefined || a.dtype !== "float32" ||
    b.dtype !== "float32" || !sameShape(a.shape, b.shape)
  ) {
    return undefined;
  }
  const cpu = cpuBackend(args.backend);
  const av = cpu.readSync(a.dataId);
  const bv = cpu.readSync(b.dataId);
  if (!(av instanceof Float32Array) || !(bv instanceof Float32Array) || av.length !== bv.length) {
    return undefined;
  }
  taken++;
  return cpu.makeTensorInfo(a.shape.slice(), "float32", addSameShapeArrays(av, bv));
};

/** Marks our wrapper (so installing twice does not wrap twice). */
const MARKER = Symbol.for("slak.sameShapeAdd");

/**
 * Puts the fast path in front of the cpu backend's "Add" kernel of the toolkit's tfjs instance
 * (idempotent; a no-op when no cpu Add kernel is registered).
 */
export function installSameShapeAdd(): void {
  overrideCpuKernel("Add", sameShapeAdd, MARKER);
}
