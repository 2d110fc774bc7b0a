/**
 * Evaluation on the test split: cross-entropy (no smoothing, as the official `evaluate`), top-1
 * and top-5 (when there are at least 5 classes), deterministic (fixed order, no augmentation).
 *
 * @module
 */
import { Loader } from "../data/loader.ts";
import type { Dataset } from "../data/types.ts";
import { forward } from "../models/forward.ts";
import type { Model } from "../models/model.ts";
import { tf } from "../tf.ts";
import type { EvalResult } from "./checkpoint.ts";
import { addEvalBatch, type EvalSums } from "./loss.ts";

/**
 * Evaluates `model` on up to `limit` test images (0 = all) in batches of `batchSize`.
 * @returns mean loss, top-1 and top-5 accuracy (fractions), images evaluated
 */
export async function evaluate(
  model: Model,
  ds: Dataset,
  opts: { batchSize: number; limit: number },
): Promise<EvalResult> {
  const k = model.config.numClasses;
  const total = opts.limit > 0 ? Math.min(opts.limit, ds.size("test")) : ds.size("test");
  const loader = new Loader(ds, {
    split: "test",
    batchSize: Math.min(opts.batchSize, total),
    prefetch: false,
  });
  const sums: EvalSums = { loss: 0, top1: 0, top5: 0, n: 0 };
  try {
    while (sums.n < total) {
      const b = await loader.next();
      const n = Math.min(b.n, total - sums.n);
      const logits = tf.tidy(() => {
        const x = tf.tensor4d(b.x.subarray(0, n * b.h * b.w * b.c), [n, b.h, b.w, b.c]);
        return forward(model, x, { training: false });
      });
      const data = (await logits.data()) as Float32Array;
      logits.dispose();
      addEvalBatch(sums, data, b.y.subarray(0, n), k);
    }
  } finally {
    loader.close();
  }
  return {
    loss: sums.loss / sums.n,
    top1: sums.top1 / sums.n,
    top5: k >= 5 ? sums.top5 / sums.n : null,
    n: sums.n,
  };
}
