/**
 * Eval-mode inference on PyTorch-convention NCHW float32 inputs.
 *
 * @module
 */
import type { HostTensor } from "../io/host_tensor.ts";
import { tf } from "../tf.ts";
import { DataError } from "../util/errors.ts";
import { stageMaps } from "./count.ts";
import { forward } from "./forward.ts";
import type { Model } from "./model.ts";
import { countNonFinite } from "./state_dict.ts";
import type { ModelConfig } from "../config/model_config.ts";

/**
 * Checks that `x` is a float32 NCHW batch the model accepts; throws a DataError naming `source`.
 * NaN or Inf values are allowed but reported on stderr.
 */
export function checkNchwInput(
  config: Pick<ModelConfig, "inChannels">,
  x: HostTensor,
  source: string,
): void {
  const want = `float32 [N, ${config.inChannels}, H, W] (NCHW, H and W >= 32)`;
  if (x.dtype !== "float32") {
    throw new DataError(`Input ${source} has dtype ${x.dtype}, expected ${want}`);
  }
  if (x.shape.length !== 4) {
    throw new DataError(`Input ${source} has shape [${x.shape}], expected ${want}`);
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (n < 1 || c !== config.inChannels) {
    throw new DataError(`Input ${source} has shape [${x.shape}], expected ${want}`);
  }
  if (stageMaps(h, w).some(([a, b]) => a < 1 || b < 1)) {
    throw new DataError(`Input ${source} has shape [${x.shape}]: H and W must be >= 32 (${want})`);
  }
  const bad = countNonFinite(x.data as Float32Array);
  if (bad > 0) {
    console.warn(
      `slak: warning: input ${source} holds ${bad} NaN/Inf value(s); their logits are not meaningful`,
    );
  }
}

/**
 * Runs `run` (NHWC batch → logits) over an NCHW host batch in chunks of `batchSize`; returns
 * logits [N, numClasses] row-major.
 */
export async function predictBatches(
  run: (nhwc: tf.Tensor4D) => tf.Tensor,
  numClasses: number,
  x: HostTensor,
  batchSize = 8,
): Promise<Float32Array> {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const out = new Float32Array(n * numClasses);
  const per = c * h * w;
  for (let i = 0; i < n; i += batchSize) {
    const b = Math.min(batchSize, n - i);
    const slice = (x.data as Float32Array).subarray(i * per, (i + b) * per);
    const logits = tf.tidy(() =>
      run(tf.transpose(tf.tensor4d(slice, [b, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D)
    );
    out.set(await logits.data() as Float32Array, i * numClasses);
    logits.dispose();
  }
  return out;
}

/** Runs eval-mode inference in batches; returns logits [N, numClasses] row-major. */
export function predictNchw(model: Model, x: HostTensor, batchSize = 8): Promise<Float32Array> {
  return predictBatches(
    (nhwc) => forward(model, nhwc, { training: false }),
    model.config.numClasses,
    x,
    batchSize,
  );
}
