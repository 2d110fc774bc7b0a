/**
 * Named inputs of a custom kernel call, checked present. A missing input is a bug in the op's
 * wrapper (or a direct runKernel call with the wrong names); it is reported with the kernel and
 * input names instead of a TypeError deep inside the kernel.
 *
 * @module
 */
import type { tf } from "../tf.ts";

/** The `inputs` map tfjs hands a kernel function. */
export type KernelInputs = Parameters<tf.KernelFunc>[0]["inputs"];

/** The inputs `names` of one call of kernel `kernel`; throws naming the first one missing. */
export function kernelInputs<K extends string>(
  kernel: string,
  inputs: KernelInputs,
  names: readonly K[],
): Record<K, tf.TensorInfo> {
  const out = {} as Record<K, tf.TensorInfo>;
  for (const name of names) {
    const t = inputs[name];
    if (t === undefined) {
      throw new Error(
        `${kernel}: missing input "${name}" (got: ${Object.keys(inputs).join(", ") || "none"})`,
      );
    }
    out[name] = t;
  }
  return out;
}
