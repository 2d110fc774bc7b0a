/**
 * Tensor helpers of the training loop that work on every backend: non-blocking reads (WebGPU has
 * no synchronous readback under Deno), an async tidy scope, and a NaN/Inf finder.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** The first parameter (in model order) holding a NaN or Inf, or null. */
export async function firstNonFinite(
  tensors: ReadonlyMap<string, tf.Tensor>,
): Promise<string | null> {
  const names = [...tensors.keys()];
  const sums = await readValues(tf.tidy(() => tf.stack(names.map((n) => tf.sum(tensors.get(n)!)))));
  for (let i = 0; i < names.length; i++) {
    if (Number.isFinite(sums[i]!)) continue;
    const bad = await readValues(
      tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(tensors.get(names[i]!)!)))),
    );
    if (bad[0]) return names[i]!; // (a finite tensor whose sum overflows is fine)
  }
  return null;
}

/**
 * As `tf.tidy` for an async body: tensors created inside and not kept are disposed at the end.
 * The body must not overlap other tfjs work (the training loop is sequential).
 */
export async function asyncScope(body: () => Promise<void>): Promise<void> {
  tf.engine().startScope();
  try {
    await body();
  } finally {
    tf.engine().endScope();
  }
}

/**
 * Reads a tensor's values without blocking and disposes it. Synchronous reads (`dataSync`) are
 * not available on the webgpu backend under Deno (tfjs reads back through a canvas there).
 */
export async function readValues(t: tf.Tensor): Promise<Float32Array> {
  const v = await t.data() as Float32Array;
  t.dispose();
  return v;
}
