/**
 * Putting a fast path in front of one of tfjs-cpu's own kernels: the wrapper handles the cases it
 * knows (returning a result) and hands every other call to the kernel it wraps, which stays the
 * reference and the fallback. Installing is idempotent per marker, so a wrapper never wraps itself.
 *
 * @module
 */
import { tf } from "../../tf.ts";

/** A fast path: the result for the calls it handles, `undefined` for the rest. */
export type FastPath = (
  args: Parameters<tf.KernelFunc>[0],
) => ReturnType<tf.KernelFunc> | undefined;

type Marked = tf.KernelFunc & Partial<Record<symbol, true>>;

/** `fast` in front of `base`: the fast path's result when it has one, else `base`'s. */
export function withFastPath(base: tf.KernelFunc, fast: FastPath, marker: symbol): tf.KernelFunc {
  const f: Marked = Object.assign(
    (args: Parameters<tf.KernelFunc>[0]) => fast(args) ?? base(args),
    {
      [marker]: true as const,
    },
  );
  return f;
}

/**
 * Wraps the cpu kernel `kernelName` of the toolkit's tfjs instance with `fast` (a no-op when the
 * kernel is not registered or already carries `marker`).
 */
export function overrideCpuKernel(kernelName: string, fast: FastPath, marker: symbol): void {
  const config = tf.getKernel(kernelName, "cpu");
  if (config === undefined || (config.kernelFunc as Marked)[marker]) return;
  tf.unregisterKernel(kernelName, "cpu");
  tf.registerKernel({ ...config, kernelFunc: withFastPath(config.kernelFunc, fast, marker) });
}
