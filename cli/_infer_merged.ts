/**
 * `slak infer` on re-parameterised weights (written by `slak reparam`): loads the merged model and
 * runs it (fused decomposed op, one K×K conv, or the sparse-tap path).
 *
 * @module
 */
import type { ModelConfig } from "../lib/config/model_config.ts";
import type { HostTensor } from "../lib/io/host_tensor.ts";
import { encodeNpy, readNpy } from "../lib/io/mod.ts";
import {
  disposeMergedModel,
  loadMergedModel,
  type MergedForm,
  predictMergedNchw,
  type SparseMode,
} from "../lib/models/mod.ts";
import { checkNchwInput } from "../lib/models/predict.ts";
import { DataError } from "../lib/util/errors.ts";
import { writeFileAtomic } from "../lib/util/fs.ts";
import type { BackendName } from "../lib/ops/mod.ts";
import { info, selectBackend } from "./_common.ts";

/** Flags of `slak infer` the merged path uses. */
export interface MergedInferFlags {
  weights: string;
  input: string;
  output: string;
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
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(opts.input);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(`Input file not found: ${opts.input}`);
    }
    throw e;
  }
  const x = readNpy(bytes, opts.input);
  checkNchwInput(config, x, opts.input);
  await selectBackend(opts.backend, opts);
  const m = loadMergedModel(config, form, state, opts.weights);
  try {
    const t0 = performance.now();
    const logits = await predictMergedNchw(m, x, opts.batchSize, { sparse: opts.sparse });
    const n = x.shape[0]!;
    info(opts, `${n} images in ${((performance.now() - t0) / 1000).toFixed(2)} s (merged ${form})`);
    await writeFileAtomic(
      opts.output,
      encodeNpy({ dtype: "float32", shape: [n, config.numClasses], data: logits }),
    );
    info(opts, `wrote ${opts.output} [${n}, ${config.numClasses}]`);
  } finally {
    disposeMergedModel(m);
  }
}
