/**
 * `slak erf [MODEL] [--weights F] (--input X.npy | --data SPEC --images K) [--size S] --out DIR`:
 * the effective receptive field as RepLKNet/SLaK measure it (DIR/erf.npy, erf.png, erf.json), and
 * `slak erf --compare DIR... --out DIR2`: several ERFs side by side with the area-ratio table.
 *
 * @module
 */
import { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { readConfigFile } from "../lib/config/layering.ts";
import type { ModelConfig } from "../lib/config/model_config.ts";
import { openDataset } from "../lib/data/mod.ts";
import { encodeNpy, toFloat32 } from "../lib/io/mod.ts";
import {
  accumulateErf,
  areaRatios,
  ERF_THRESHOLDS,
  erfAccumulator,
  erfMean,
  erfPng,
  logScaled,
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
import { tf } from "../lib/tf.ts";
import { ConfigError, DataError, UserError } from "../lib/util/errors.ts";
import { probeWritable, writeFileAtomic, writeJsonAtomic } from "../lib/util/fs.ts";
import { isFile } from "../lib/util/stat.ts";
import {
  backendOption,
  collect,
  info,
  integer,
  out,
  positiveInt,
  selectBackend,
  textTable,
} from "./_common.ts";
import { compareErfs } from "./_erf_compare.ts";
import { modelForWeights } from "./_model_source.ts";
import { readNpyInput } from "./_npy_io.ts";

/** Images as NHWC float32 plus their count and size. */
interface Images {
  data: Float32Array;
  n: number;
  h: number;
  w: number;
  c: number;
  source: string;
}

async function imagesFromNpy(path: string, config: ModelConfig): Promise<Images> {
  const x = await readNpyInput(path);
  checkNchwInput(config, x, path);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const data = permute(toFloat32(x), x.shape, [0, 2, 3, 1]); // NCHW → NHWC
  return { data, n, h, w, c, source: path };
}

/** SPEC: a YAML/JSON file holding a data config (or a training config with a `data` section), or inline YAML. */
async function dataConfigFromSpec(spec: string): Promise<unknown> {
  let value: unknown;
  if (await isFile(spec)) {
    value = await readConfigFile(spec);
  } else {
    try {
      value = parseYaml(spec);
    } catch (e) {
      throw new ConfigError(
        `--data ${spec}: neither a file nor inline YAML (${(e as Error).message.split("\n")[0]})`,
      );
    }
  }
  if (typeof value !== "object" || value === null) {
    throw new ConfigError(
      `--data ${spec}: expected a data config such as "{kind: pathfinder, size: 64}" or a file`,
    );
  }
  const v = value as Record<string, unknown>;
  return "data" in v && !("kind" in v) ? v.data : v;
}

async function imagesFromData(spec: string, k: number, config: ModelConfig): Promise<Images> {
  const ds = await openDataset((await dataConfigFromSpec(spec)) as never);
  if (ds.inChannels !== config.inChannels) {
    throw new DataError(
      `--data ${spec}: images have ${ds.inChannels} channel(s), the model expects ${config.inChannels}`,
    );
  }
  const n = Math.min(k, ds.size("test"));
  const per = ds.height * ds.width * ds.inChannels;
  const data = new Float32Array(n * per);
  for (let i = 0; i < n; i++) ds.loadInto("test", i, data, i * per);
  return {
    data,
    n,
    h: ds.height,
    w: ds.width,
    c: ds.inChannels,
    source: `${ds.name} test[0:${n}]`,
  };
}

async function measure(
  model: ReturnType<typeof buildModel>,
  images: Images,
  size: number | undefined,
  batchSize: number,
  onProgress: (done: number) => void,
) {
  const h = size ?? images.h;
  const w = size ?? images.w;
  const acc = erfAccumulator(h, w);
  const per = images.h * images.w * images.c;
  for (let i = 0; i < images.n; i += batchSize) {
    const b = Math.min(batchSize, images.n - i);
    const x = tf.tidy(() => {
      const t = tf.tensor4d(images.data.subarray(i * per, (i + b) * per), [
        b,
        images.h,
        images.w,
        images.c,
      ]);
      return size && (size !== images.h || size !== images.w)
        ? tf.image.resizeBilinear(t, [size, size], true)
        : t;
    });
    await accumulateErf(acc, model, x);
    x.dispose();
    onProgress(i + b);
  }
  return acc;
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
      "--size <s>",
      "resize inputs to S x S (bilinear) before measuring",
      positiveInt("--size"),
    )
    .option("--compare <dirs...>", "render several ERF folders side by side instead of measuring")
    .requiredOption("--out <dir>", "output folder")
    .option("--config <file>", "YAML/JSON file of model fields")
    .option("--set <path=value>", "override a model field (repeatable)", collect, [] as string[])
    .option("--ema", "load the model_ema entry of a training checkpoint")
    .option("--seed <n>", "init seed when no --weights are given", integer("--seed"), 0)
    .option("--batch-size <n>", "images per backward pass", positiveInt("--batch-size"), 4)
    .addOption(backendOption())
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
      if (opts.size !== undefined && opts.size < 32) throw new UserError("--size must be >= 32");
      await selectBackend(opts.backend, opts);
      const model = buildModel(config, state ? { zeros: true } : { seed: opts.seed });
      try {
        if (state) loadStateDict(model, state, opts.weights!);
        const t0 = performance.now();
        const acc = await measure(
          model,
          images,
          opts.size,
          opts.batchSize,
          (d) => info(opts, `erf: ${d}/${images.n} images`),
        );
        const map = erfMean(acc);
        const ratios = areaRatios(map, acc.h, acc.w);
        await Deno.mkdir(opts.out, { recursive: true });
        await writeFileAtomic(
          `${opts.out}/erf.npy`,
          encodeNpy({ dtype: "float32", shape: [acc.h, acc.w], data: map }),
        );
        await writeFileAtomic(`${opts.out}/erf.png`, erfPng(logScaled(map), acc.h, acc.w));
        await writeJsonAtomic(`${opts.out}/erf.json`, {
          areaRatio: ratios,
          images: acc.count,
          skipped: acc.skipped,
          size: [acc.h, acc.w],
          source: images.source,
          weights: opts.weights ?? null,
          initialization: opts.weights ? null : { seed: opts.seed },
          model: config,
          seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
        });
        out(textTable([
          ERF_THRESHOLDS.map((t) => `r(${t})`),
          ERF_THRESHOLDS.map((t) => ratios[String(t)]!.toFixed(4)),
        ]));
        info(opts, `wrote ${opts.out}/erf.npy, erf.png, erf.json (${acc.count} images)`);
      } finally {
        disposeModel(model);
      }
    });
}
