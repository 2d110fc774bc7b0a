/**
 * `slak reparam [MODEL] --weights IN --out OUT.safetensors [--form two-kernels|one-kernel]`: folds
 * every BN into its conv and merges the large-kernel branches; the output carries the model config
 * and the merged form in its metadata, so `slak infer --weights OUT.safetensors` needs no MODEL.
 *
 * @module
 */
import { Command, Option } from "commander";
import {
  buildModel,
  checkMergedForm,
  checkStateDict,
  disposeMergedModel,
  disposeModel,
  forward,
  forwardMerged,
  loadStateDict,
  MERGED_FORMS,
  type MergedForm,
  mergedFormOf,
  mergedFormsFor,
  reparameterize,
  writeMergedWeightsFile,
} from "../lib/models/mod.ts";
import { tf } from "../lib/tf.ts";
import { UserError } from "../lib/util/errors.ts";
import { backendOption, collect, info, selectBackend, threadsOption } from "./_common.ts";
import { modelForWeights } from "./_model_source.ts";

/** The `reparam` subcommand. */
export function reparamCommand() {
  return new Command("reparam")
    .description("fold BN and merge the large-kernel branches into an inference-only weights file")
    .argument("[model]", "registered model name (optional when the weights carry their config)")
    .requiredOption("--weights <file>", ".pth (official checkpoint or state_dict) or .safetensors")
    .requiredOption("--out <file>", "merged weights to write (.safetensors)")
    .addOption(
      new Option(
        "--form <form>",
        "merged form (default: two-kernels for decomposed SLaK, else one-kernel)",
      )
        .choices(MERGED_FORMS),
    )
    .option("--verify", "compare logits of the merged and unmerged model on 2 random 64 px images")
    .option("--config <file>", "YAML/JSON file of model fields")
    .option("--set <path=value>", "override a model field (repeatable)", collect, [] as string[])
    .option("--ema", "load the model_ema entry of a training checkpoint")
    .addOption(backendOption())
    .addOption(threadsOption())
    .option("--quiet", "no progress on stderr")
    .action(async (modelName, opts) => {
      const { config, weights } = await modelForWeights(modelName, opts.weights, opts);
      if (mergedFormOf(weights, opts.weights) !== null) {
        throw new UserError(`${opts.weights} is already re-parameterised`);
      }
      checkStateDict(config, weights.state, opts.weights);
      const form: MergedForm = opts.form ?? mergedFormsFor(config)[0]!;
      checkMergedForm(config, form);
      await selectBackend(opts.backend, opts);
      const model = buildModel(config, { zeros: true });
      try {
        loadStateDict(model, weights.state, opts.weights);
        const merged = await reparameterize(model, form);
        try {
          if (opts.verify) {
            const x = tf.randomNormal([2, 64, 64, config.inChannels], 0, 1, "float32", 0);
            const a = forward(model, x as tf.Tensor4D, { training: false });
            const b = forwardMerged(merged, x as tf.Tensor4D);
            const err = (await tf.max(tf.abs(tf.sub(a, b))).data())[0]! /
              Math.max(1e-30, (await tf.max(tf.abs(a)).data())[0]!);
            tf.dispose([x, a, b]);
            info(opts, `verify: max |merged - unmerged| / max |logit| = ${err.toExponential(2)}`);
            if (!(err < 1e-4)) {
              throw new Error(`reparam verification failed (relative error ${err})`);
            }
          }
          await writeMergedWeightsFile(opts.out, merged, { "slak.reparam.source": opts.weights });
          info(opts, `wrote ${opts.out} (${form}; BN folded, branches merged)`);
        } finally {
          disposeMergedModel(merged);
        }
      } finally {
        disposeModel(model);
      }
    });
}
