/**
 * Fast paths in front of tfjs-cpu's float32 `Add`, `Sub`, `Multiply` and `RealDiv`: broadcasting
 * by strides ({@link broadcastBinary}) instead of tfjs's per-element multi-index loop, and a flat
 * loop for same-shape `Sub` / `Multiply` / `RealDiv` (same-shape `Add` has its own fast path,
 * lib/ops/same_shape_add, which this one leaves it to). Same bits as tfjs's kernels; other dtypes
 * and every call while the fused cpu ops or this path are off go to the wrapped tfjs kernel.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { cpuBackend } from "../_cpu/backend.ts";
import { fusedCpu } from "../_cpu/fused_switch.ts";
import { type FastPath, overrideCpuKernel } from "../_cpu/kernel_override.ts";
import { type BinaryOp, broadcastBinary, broadcastShape } from "./broadcast.ts";

export { type BinaryOp, broadcastBinary, broadcastShape } from "./broadcast.ts";

let enabled = true;
let taken = 0;

/** Turns the binary fast paths on (default) or off; returns the previous setting. */
export function useFastBinary(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** How many binary calls took the fast path in this process (for tests and profiling). */
export function fastBinaryCount(): number {
  return taken;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fastPath(op: BinaryOp): FastPath {
  return (args) => {
    if (!enabled || !fusedCpu()) return undefined;
    const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
    if (a === undefined || b === undefined || a.dtype !== "float32" || b.dtype !== "float32") {
      return undefined;
    }
    const same = sameShape(a.shape, b.shape);
    if (same && op === "add") return undefined; // lib/ops/same_shape_add's case
    const outShape = same ? a.shape.slice() : broadcastShape(a.shape, b.shape);
    if (outShape === undefined) return undefined; // tfjs raises its own error
    const cpu = cpuBackend(args.backend);
    const av = cpu.readSync(a.dataId);
    const bv = cpu.readSync(b.dataId);
    if (!(av instanceof Float32Array) || !(bv instanceof Float32Array)) return undefined;
    taken++;
    return cpu.makeTensorInfo(
      outShape,
      "float32",
      broadcastBinary(op, av, a.shape, bv, b.shape, outShape),
    );
  };
}

const MARKER = Symbol.for("slak.fastBinary");

/** tfjs kernel name → our operation. */
const KERNELS: ReadonlyArray<readonly [string, BinaryOp]> = [
  ["Add", "add"],
  ["Sub", "sub"],
  ["Multiply", "mul"],
  ["RealDiv", "div"],
];

/**
 * Puts the fast paths in front of the cpu backend's Add / Sub / Multiply / RealDiv kernels of the
 * toolkit's tfjs instance (idempotent). Install after lib/ops/same_shape_add so that this wrapper
 * is the outer one.
 */
export function installFastBinary(): void {
  for (const [name, op] of KERNELS) overrideCpuKernel(name, fastPath(op), MARKER);
}
