/**
 * The one WebAssembly memory that every wasm kernel module of lib/ops/matmul and
 * lib/ops/large_depthwise imports (`env.mem`): shared between the main thread and the kernel
 * threads where the runtime allows it (a shared memory needs a maximum: 4 GiB), else a plain
 * growable memory (then everything runs on the calling thread). Kernel calls are synchronous and
 * never overlap, so each call lays its operands out from offset 0 and the memory only grows
 * (on the calling thread, between parallel jobs; wasm code in every thread sees the new size,
 * and JS views are re-created from `memory.buffer` after a grow).
 *
 * @module
 */

/** 64 KiB pages of the largest memory (4 GiB, the wasm32 limit). */
export const KERNEL_MAX_PAGES = 65536;
/** Largest byte size a kernel layout may ask for (one page short of 4 GiB). */
export const KERNEL_MAX_BYTES = 2 ** 32 - 2 ** 16;

/** The kernels' memory and whether threads can share it. */
export interface KernelMemory {
  /** The memory (imported by every kernel module as `env.mem`). */
  memory: WebAssembly.Memory;
  /** Whether it is a shared memory (required for kernel threads). */
  shared: boolean;
}

let current: KernelMemory | null = null;

/** Creates the kernel memory: shared when the runtime supports it, else unshared. */
function createKernelMemory(): KernelMemory {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: KERNEL_MAX_PAGES, shared: true });
    if (memory.buffer instanceof SharedArrayBuffer) return { memory, shared: true };
  } catch {
    // shared memories unsupported here: fall back to a plain one
  }
  return {
    memory: new WebAssembly.Memory({ initial: 1, maximum: KERNEL_MAX_PAGES }),
    shared: false,
  };
}

/** The process-wide kernel memory (created on first use). */
export function kernelMemory(): KernelMemory {
  current ??= createKernelMemory();
  return current;
}

/**
 * Grows the kernel memory to at least `bytes`; false when that is over {@link KERNEL_MAX_BYTES}
 * or the runtime refuses. Call only between parallel jobs (kernel calls are synchronous, so any
 * kernel wrapper's staging code qualifies).
 */
export function ensureKernelBytes(bytes: number): boolean {
  if (bytes > KERNEL_MAX_BYTES) return false;
  const { memory } = kernelMemory();
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

/** A Float32Array over the whole kernel memory as it is now (re-create after growing). */
export function kernelF32(): Float32Array {
  return new Float32Array(kernelMemory().memory.buffer);
}
