/**
 * `slak infer [MODEL] --weights F --input X.npy --out Y.npy`: eval-mode logits for an NCHW
 * float32 batch, from official PyTorch checkpoints or safetensors.
 *
 * @module
 */
import { Command, Option } from "commander";

import {
  buildModel,
  checkStateDict,
  disposeMergedModel,
  disposeModel,
  loadStateDict,
  mergedFormOf,
  mergedFormsFor,
  predictMergedNchw,
  predictNchw,
  reparameterize,
} from "../lib/models/mod.ts";
import { checkNchwInput } from "../lib/models/predict.ts";
import { probeWritable } from "../lib/util/fs.ts";
import {
  backendOption,
  collect,
  info,
  positiveInt,
  selectBackend,
  threadsOption,
} from "./_common.ts";
import { modelForWeights } from "./_model_source.ts";
import { inferMerged } from "./_infer_merged.ts";
import { readNpyInput, writeLogits } from "./_npy_io.ts";

/** The `infer` subcommand. */
export function inferCommand() {
  return new Command("infer")
    .description("run eval-mode inference on a float32 NCHW .npy and write logits as .npy")
    .argument("[model]", "registered model name (optional when the weights carry their config)")
    .requiredOption("--weights <file>", ".pth (official checkpoint or state_dict) or .safetensors")
    .requiredOption("--input <file>", "float32 .npy of shape [N, C, H, W]")
    .requiredOption("--out <file>", "where to write float32 logits [N, numClasses] (.npy)")
    .option("--config <file>", "YAML/JSON file of model fields")
    .option("--set <path=value>", "override a model field (repeatable)", collect, [] as string[])
    .option("--ema", "load the model_ema entry of a training checkpoint")
    .option("--batch-size <n>", "images per forward pass", positiveInt("--batch-size"), 8)
    .addOption(backendOption())
    .addOption(threadsOption())
    .option("--quiet", "no progress on stderr")
    .addOption(
      new Option("--sparse <mode>", "merged weights: sparse-tap path off / by cost rule / always")
        .choices(["off", "auto", "on"] as const).default("auto" as const),
    )
    .addOption(
      new Option(
        "--merge <mode>",
        "fold BN and merge the large-kernel branches before running (SLaK: the fused decomposed " +
          "op); auto = on the cpu backend, where it is faster (see BENCHMARKS.md)",
      ).choices(["auto", "on", "off"] as const).default("auto" as const),
    )
    .action(async (model, opts) => {
      // Before loading and computing: a read-only or forbidden output folder fails now.
      probeWritable(opts.out);
      const { config, weights } = await modelForWeights(model, opts.weights, opts);
      const form = mergedFormOf(weights, opts.weights);
      if (form !== null) {
        await inferMerged(config, form, weights.state, opts);
        return;
      }
      checkStateDict(config, weights.state, opts.weights);
      const x = await readNpyInput(opts.input);
      checkNchwInput(config, x, opts.input);
      const { backend } = await selectBackend(opts.backend, opts);
      const m = buildModel(config, { zeros: true });
      try {
        loadStateDict(m, weights.state, opts.weights);
        const merge = config.arch === "slak" &&
          (opts.merge === "on" || (opts.merge === "auto" && backend === "cpu"));
        const t0 = performance.now();
        let logits: Float32Array;
        if (merge) {
          const form = mergedFormsFor(config)[0]!;
          const merged = await reparameterize(m, form);
          try {
            logits = await predictMergedNchw(merged, x, opts.batchSize, { sparse: opts.sparse });
          } finally {
            disposeMergedModel(merged);
          }
          info(opts, `merged the large-kernel branches (${form}) for inference`);
        } else {
          logits = await predictNchw(m, x, opts.batchSize);
        }
        const n = x.shape[0]!;
        info(opts, `${n} images in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
        await writeLogits(opts.out, logits, n, config.numClasses, opts);
      } finally {
        disposeModel(m);
      }
    });
}
