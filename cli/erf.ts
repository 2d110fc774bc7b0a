/**
 * `slak erf [MODEL] [--weights F] (--input X.npy | --data SPEC --images K) [--input-size S]
 * --out DIR [--json]`: the effective receptive field as RepLKNet/SLaK measure it (DIR/erf.npy,
 * erf.png, erf.json; `--json` prints erf.json to stdout instead of the table), and
 * `slak erf --compare DIR... --out DIR2`: several ERFs side by side with the area-ratio table.
 *
 * @module
 */
import { Command } from "commander";
import type { ModelConfig } from "../lib/config/model_config.ts";
import { openDataset } from "../lib/data/mod.ts";
import { toFloat32 } from "../lib/io/mod.ts";
import {
  ERF_THRESHOLDS,
  type ErfImages,
  imagesOfDataset,
  measureErf,
  writeErf,
} from "../lib/analysis/mod.ts";
import {
  buildModel,
  checkStateDict,
  disposeModel,
  loadStateDict,
  mergedFormOf,
  permute,
  resolveModelConfigWithFile,
} from "../lib/models/mod.ts";
import { checkNchwInput } from "../lib/models/predict.ts";
import { DataError, UserError } from "../lib/util/errors.ts";
import { probeWritable } from "../lib/util/fs.ts";
import {
  backendOption,
  collect,
  info,
  integer,
  out,
  positiveInt,
  selectBackend,
  textTable,
  threadsOption,
} from "./_common.ts";
import { dataConfigFromSpec } from "./_data_spec.ts";
import { compareErfs } from "./_erf_compare.ts";
import { modelForWeights } from "./_model_source.ts";
import { readNpyInput } from "./_npy_io.ts";

async function imagesFromNpy(path: string, config: ModelConfig): Promise<ErfImages> {
  const x = await readNpyInput(path);
  checkNchwInput(config, x, path);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const data = permute(toFloat32(x), x.shape, [0, 2, 3, 1]); // NCHW → NHWC
  return { data, n, h, w, c, source: path };
}

async function imagesFromData(spec: string, k: number, config: ModelConfig): Promise<ErfImages> {
  const ds = await openDataset((await dataConfigFromSpec(spec)) as never);
  if (ds.inChannels !== config.inChannels) {
    throw new DataError(
      `--data ${spec}: images have ${ds.inChannels} channel(s), the model expects ${config.inChannels}`,
    );
  }
  return imagesOfDataset(ds, k);
}

/** The `erf` subcommand. */
export function erfCommand() {
  return new Command("erf")
    .description(
      "effective receptive field (RepLKNet/SLaK method): erf.npy, erf.png, erf.json; or --compare",
    )
    .argument("[model]", "registered model name (optional when the weights carry their config)")
    .option(
      "--weights <file>",
      "weights (.pth / .safetensors); without: the model's initialization",
    )
    .option("--input <file>", "float32 .npy of shape [N, C, H, W] (normalized images)")
    .option(
      "--data <spec>",
      "data config: a YAML/JSON file or inline YAML, e.g. '{kind: pathfinder}'",
    )
    .option(
      "--images <k>",
      "images to average over with --data (test split, first K)",
      positiveInt("--images"),
      50,
    )
    .option(
      "--input-size <s>",
      "resize inputs to S x S (bilinear) before measuring",
      positiveInt("--input-size"),
    )
    .option("--compare <dirs...>", "render several ERF folders side by side instead of measuring")
    .requiredOption("--out <dir>", "output folder")
    .option("--config <file>", "YAML/JSON file of model fields")
    .option("--set <path=value>", "override a model field (repeatable)", collect, [] as string[])
    .option("--ema", "load the model_ema entry of a training checkpoint")
    .option("--seed <n>", "init seed when no --weights are given", integer("--seed"), 0)
    .option("--batch-size <n>", "images per backward pass", positiveInt("--batch-size"), 4)
    .option("--json", "print erf.json (or the compared area ratios) to stdout instead of the table")
    .addOption(backendOption())
    .addOption(threadsOption())
    .option("--quiet", "no progress on stderr")
    .action(async (modelName, opts) => {
      // Before loading and computing: a read-only or forbidden output folder fails now.
      probeWritable(opts.out, true);
      if (opts.compare) {
        if (opts.compare.length < 1) throw new UserError("--compare needs at least one folder");
        await compareErfs(opts.compare, opts.out, opts);
        return;
      }
      if ((opts.input === undefined) === (opts.data === undefined)) {
        throw new UserError("give exactly one of --input X.npy or --data SPEC (with --images K)");
      }
      let config: ModelConfig;
      let state = null;
      if (opts.weights) {
        const r = await modelForWeights(modelName, opts.weights, opts);
        if (mergedFormOf(r.weights, opts.weights) !== null) {
          throw new UserError(
            `${opts.weights} is re-parameterised (merged); the ERF needs the trainable model: pass the unmerged weights`,
          );
        }
        checkStateDict(r.config, r.weights.state, opts.weights);
        config = r.config;
        state = r.weights.state;
      } else {
        if (modelName === undefined) throw new UserError("name a MODEL or give --weights");
        config = await resolveModelConfigWithFile(modelName, {
          configFile: opts.config,
          sets: opts.set,
        });
        info(
          opts,
          `no --weights: measuring the ERF of the model's initialization (seed ${opts.seed})`,
        );
      }
      const images = opts.input !== undefined
        ? await imagesFromNpy(opts.input, config)
        : await imagesFromData(opts.data!, opts.images, config);
      if (opts.inputSize !== undefined && opts.inputSize < 32) {
        throw new UserError("--input-size must be >= 32");
      }
      await selectBackend(opts.backend, opts);
      const model = buildModel(config, state ? { zeros: true } : { seed: opts.seed });
      try {
        if (state) loadStateDict(model, state, opts.weights!);
        const m = await measureErf(model, images, {
          size: opts.inputSize,
          batchSize: opts.batchSize,
          onProgress: (d) => info(opts, `erf: ${d}/${images.n} images`),
        });
        const ratios = m.areaRatio;
        await writeErf(opts.out, m, {
          source: images.source,
          weights: opts.weights ?? null,
          initialization: opts.weights ? null : { seed: opts.seed },
          model: config,
        });
        if (opts.json) out((await Deno.readTextFile(`${opts.out}/erf.json`)).trimEnd());
        else {
          out(textTable([
            ERF_THRESHOLDS.map((t) => `r(${t})`),
            ERF_THRESHOLDS.map((t) => ratios[String(t)]!.toFixed(4)),
          ]));
        }
        info(opts, `wrote ${opts.out}/erf.npy, erf.png, erf.json (${m.images} images)`);
      } finally {
        disposeModel(model);
      }
    });
}
