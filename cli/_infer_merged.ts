/**
 * `slak infer` on re-parameterised weights (written by `slak reparam`): loads the merged model and
 * runs it (fused decomposed op, one K×K conv, or the sparse-tap path).
 *
 * @module
 */
import type { ModelConfig } from "../lib/config/model_config.ts";
import type { HostTensor } from "../lib/io/host_tensor.ts";

import {
  disposeMergedModel,
  loadMergedModel,
  type MergedForm,
  predictMergedNchw,
  type SparseMode,
} from "../lib/models/mod.ts";
import { checkNchwInput } from "../lib/models/predict.ts";

import type { BackendName } from "../lib/ops/mod.ts";
import { info, selectBackend } from "./_common.ts";
import { readNpyInput, writeLogits } from "./_npy_io.ts";

/** Flags of `slak infer` the merged path uses. */
export interface MergedInferFlags {
  weights: string;
  input: string;
  out: string;
  batchSize: number;
  backend: BackendName;
  sparse: SparseMode;
  quiet?: boolean | undefined;
}

/** Runs `slak infer` for a merged weights file. */
export async function inferMerged(
  config: ModelConfig,
  form: MergedForm,
  state: Map<string, HostTensor>,
  opts: MergedInferFlags,
): Promise<void> {
  const x = await readNpyInput(opts.input);
  checkNchwInput(config, x, opts.input);
  await selectBackend(opts.backend, opts);
  const m = loadMergedModel(config, form, state, opts.weights);
  try {
    const t0 = performance.now();
    const logits = await predictMergedNchw(m, x, opts.batchSize, { sparse: opts.sparse });
    const n = x.shape[0]!;
    info(opts, `${n} images in ${((performance.now() - t0) / 1000).toFixed(2)} s (merged ${form})`);
    await writeLogits(opts.out, logits, n, config.numClasses, opts);
  } finally {
    disposeMergedModel(m);
  }
}
