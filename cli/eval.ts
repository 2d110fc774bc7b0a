/**
 * `slak eval [MODEL] --weights F --data SPEC [--batch-size B] [--crop-pct P] [--interpolation
 * bicubic|bilinear] [--ema] [--logits OUT.npy] [--json]`: top-1, top-5, loss, images and img/s of
 * a checkpoint on the evaluation split of a labelled data set (timm's validate.py, the official
 * `main.py --eval true`). ImageFolder images go through the official evaluation transform
 * (lib/data/eval_transform.ts) and are read batch by batch, never all in memory; the other kinds
 * use their test split as training does. Progress with an ETA on stderr.
 *
 * @module
 */
import { Command, Option } from "commander";

import type { ModelConfig } from "../lib/config/model_config.ts";
import { openEvalFolder } from "../lib/data/eval_folder.ts";
import { DEFAULT_CROP_PCT, type EvalTransform } from "../lib/data/eval_transform.ts";
import { isSegData, resolveDataConfig, type ResolvedDataConfig } from "../lib/data/config.ts";
import { openDataset } from "../lib/data/open_dataset.ts";
import { RESAMPLE_FILTERS, type ResampleFilter } from "../lib/data/pil_resize.ts";
import type { Dataset } from "../lib/data/types.ts";
import { encodeNpy } from "../lib/io/npy.ts";
import {
  buildModel,
  checkStateDict,
  disposeMergedModel,
  disposeModel,
  forward,
  forwardMerged,
  loadMergedModel,
  loadStateDict,
  mergedFormOf,
  type WeightsFile,
} from "../lib/models/mod.ts";
import { stageMaps } from "../lib/models/count.ts";
import { tf } from "../lib/tf.ts";
import { assignAll, readState } from "../lib/train/checkpoint.ts";
import { DataError, UserError } from "../lib/util/errors.ts";
import { probeWritable, writeFileAtomic } from "../lib/util/fs.ts";
import { isFile } from "../lib/util/stat.ts";
import {
  backendOption,
  collect,
  type CommonFlags,
  info,
  out,
  positiveInt,
  selectBackend,
  textTable,
  threadsOption,
} from "./_common.ts";
import { dataConfigFromSpec } from "./_data_spec.ts";
import { evalSegmentation } from "./_eval_seg.ts";
import { addToTally, newTally, tallyResult } from "./_eval_tally.ts";
import { modelForWeights } from "./_model_source.ts";
import { fmtTime, pct, StatusLine } from "./_progress.ts";

/** The data to evaluate on: a data set's test split and, for ImageFolder, its files in order. */
interface EvalData {
  dataset: Dataset;
  files: readonly string[] | null;
  transform: EvalTransform | null;
}

function cropPct(v: string): number {
  const n = v.trim() === "" ? NaN : Number(v);
  if (!(n > 0 && n <= 4)) {
    throw new UserError(`option '--crop-pct' must be a number in (0, 4], got "${v}"`);
  }
  return n;
}

async function openEvalData(
  c: ResolvedDataConfig,
  transform: { cropPct: number; interpolation: ResampleFilter },
): Promise<EvalData> {
  if (c.kind === "imagefolder") {
    const t: EvalTransform = { size: c.size, ...transform };
    const f = await openEvalFolder(c, c.normalize, t);
    return { dataset: f.dataset, files: f.files, transform: t };
  }
  return { dataset: await openDataset(c), files: null, transform: null };
}

function checkFits(config: ModelConfig, ds: Dataset, spec: string): void {
  if (ds.inChannels !== config.inChannels) {
    throw new DataError(
      `--data ${spec}: images have ${ds.inChannels} channel(s), the model expects ` +
        `${config.inChannels}`,
    );
  }
  if (ds.numClasses > config.numClasses) {
    throw new DataError(
      `--data ${spec}: ${ds.numClasses} classes, the model predicts ${config.numClasses}`,
    );
  }
  if (stageMaps(ds.height, ds.width).some(([a, b]) => a < 1 || b < 1)) {
    throw new DataError(
      `--data ${spec}: images are ${ds.height}x${ds.width}; the model needs >= 32`,
    );
  }
  if (ds.size("test") === 0) throw new DataError(`--data ${spec}: the evaluation split is empty`);
}

/**
 * With `--ema` and one of our weight files (a run's last/best.safetensors): the EMA tensors of
 * the training state next to it; null when `weights` is not ours (a .pth's `model_ema` entry was
 * already picked when it was read).
 */
async function ourEmaState(path: string, weights: WeightsFile) {
  if (weights.config === null) return null;
  const state = `${path.replace(/[^/]*$/, "")}state.safetensors`;
  if (!(await isFile(state))) {
    throw new DataError(
      `--ema: ${path} holds no EMA; a run's EMA weights are in ${state}, which does not exist`,
    );
  }
  const st = await readState(state);
  if (st.groups.ema.size === 0) {
    throw new DataError(
      `--ema: ${state} holds no EMA tensors (the run had no regularization.emaDecay)`,
    );
  }
  return { file: state, tensors: st.groups.ema };
}

/** A function running one NHWC batch through the model, and its disposal. */
interface Runner {
  run: (x: tf.Tensor4D) => tf.Tensor;
  dispose: () => void;
}

async function makeRunner(
  config: ModelConfig,
  weights: WeightsFile,
  opts: { weights: string; ema?: boolean; quiet?: boolean },
): Promise<Runner> {
  const form = mergedFormOf(weights, opts.weights);
  if (form !== null) {
    if (opts.ema) throw new UserError(`--ema: ${opts.weights} is re-parameterised (merged)`);
    const m = loadMergedModel(config, form, weights.state, opts.weights);
    return {
      run: (x) => forwardMerged(m, x, { output: "logits" }),
      dispose: () => disposeMergedModel(m),
    };
  }
  checkStateDict(config, weights.state, opts.weights);
  const ema = opts.ema ? await ourEmaState(opts.weights, weights) : null;
  const m = buildModel(config, { zeros: true });
  try {
    loadStateDict(m, weights.state, opts.weights);
    if (ema !== null) {
      assignAll(new Map([...m.params, ...m.buffers]), ema.tensors, "EMA tensor");
      info(opts, `EMA weights from ${ema.file}`);
    }
  } catch (e) {
    disposeModel(m);
    throw e;
  }
  return { run: (x) => forward(m, x, { training: false }), dispose: () => disposeModel(m) };
}

/** The `eval` subcommand. */
export function evalCommand() {
  return new Command("eval")
    .description(
      "top-1/top-5/loss of weights on a labelled data set (official eval transform for ImageFolder)",
    )
    .argument("[model]", "registered model name (optional when the weights carry their config)")
    .requiredOption("--weights <file>", ".pth (official checkpoint or state_dict) or .safetensors")
    .requiredOption(
      "--data <spec>",
      "data config: YAML/JSON file, inline YAML, or key=value pairs " +
        "(kind=imagefolder,path=DIR[,size=224]); ImageFolder reads DIR/val",
    )
    .option("--config <file>", "YAML/JSON file of model fields")
    .option(
      "--train-config <file>",
      "segmentation data: the run's training config (config.json), whose task builds the heads",
    )
    .option("--set <path=value>", "override a model field (repeatable)", collect, [] as string[])
    .option(
      "--ema",
      "the EMA weights: model_ema of a .pth, or a run's checkpoints/state.safetensors EMA",
    )
    .option("--batch-size <n>", "images per forward pass", positiveInt("--batch-size"), 32)
    .option(
      "--crop-pct <p>",
      "ImageFolder: resize the shorter side to int(size / P), then centre-crop size " +
        "(unused at size >= 384, which warps)",
      cropPct,
      DEFAULT_CROP_PCT,
    )
    .addOption(
      new Option("--interpolation <filter>", "ImageFolder resize filter (Pillow-exact)")
        .choices(RESAMPLE_FILTERS).default("bicubic" as const),
    )
    .option("--logits <file>", "write float32 logits [N, classes] (.npy) in the data's order")
    .option("--json", "print the result as JSON (with per-class accuracy) to stdout")
    .addOption(backendOption())
    .addOption(threadsOption())
    .option("--quiet", "no progress on stderr")
    .action(async (modelName, opts) => {
      if (opts.logits !== undefined) probeWritable(opts.logits);
      const dc = resolveDataConfig(await dataConfigFromSpec(opts.data), "--data");
      if (isSegData(dc)) {
        await selectBackend(opts.backend, opts);
        return await evalSegmentation(dc, opts);
      }
      const { config, weights } = await modelForWeights(modelName, opts.weights, opts);
      const data = await openEvalData(dc, {
        cropPct: opts.cropPct,
        interpolation: opts.interpolation,
      });
      const ds = data.dataset;
      checkFits(config, ds, opts.data);
      const be = await selectBackend(opts.backend, opts);
      const runner = await makeRunner(config, weights, opts);
      try {
        const r = await evaluateAll(ds, runner, config.numClasses, opts, opts.logits !== undefined);
        if (opts.logits !== undefined) {
          await writeFileAtomic(
            opts.logits,
            encodeNpy({ dtype: "float32", shape: [r.n, config.numClasses], data: r.logits! }),
          );
          info(opts, `wrote ${opts.logits} [${r.n}, ${config.numClasses}]`);
        }
        const result = {
          weights: opts.weights,
          ema: opts.ema ?? false,
          data: ds.name,
          size: ds.height,
          transform: data.transform,
          backend: be.backend,
          ...tallyResult(r.tally, ds.classNames, config.numClasses),
          seconds: r.seconds,
          imgPerSec: r.n / r.seconds,
          logits: opts.logits ?? null,
        };
        if (opts.json) {
          out(JSON.stringify(result, null, 2));
        } else {
          out(textTable([
            ["data", "images", "top1", "top5", "loss", "img/s"],
            [
              ds.name,
              String(result.images),
              pct(result.top1),
              pct(result.top5),
              result.loss === null ? "-" : result.loss.toFixed(4),
              result.imgPerSec.toFixed(1),
            ],
          ]));
        }
      } finally {
        runner.dispose();
      }
    });
}

/** Runs the whole test split in batches; keeps the logits only when asked. */
async function evaluateAll(
  ds: Dataset,
  runner: Runner,
  k: number,
  flags: CommonFlags & { batchSize: number },
  keepLogits: boolean,
) {
  const n = ds.size("test");
  const { height: h, width: w, inChannels: c } = ds;
  const per = h * w * c;
  const tally = newTally(ds.numClasses);
  const all = keepLogits ? new Float32Array(n * k) : null;
  const status = new StatusLine();
  const t0 = performance.now();
  let lastShown = -Infinity;
  const buf = new Float32Array(Math.min(flags.batchSize, n) * per);
  for (let i = 0; i < n; i += flags.batchSize) {
    const b = Math.min(flags.batchSize, n - i);
    const labels = new Int32Array(b);
    for (let j = 0; j < b; j++) labels[j] = ds.loadInto("test", i + j, buf, j * per);
    const out = tf.tidy(() => runner.run(tf.tensor4d(buf.subarray(0, b * per), [b, h, w, c])));
    const logits = (await out.data()) as Float32Array;
    out.dispose();
    addToTally(tally, logits, labels, k);
    all?.set(logits, i * k);
    const done = i + b;
    const now = performance.now();
    if (!flags.quiet && (now - lastShown > (status.tty ? 250 : 5000) || done === n)) {
      lastShown = now;
      const s = (now - t0) / 1000;
      const bar = status.tty
        ? `[${"#".repeat(Math.round((24 * done) / n)).padEnd(24, "-")}] `
        : "eval ";
      status.status(
        `${bar}${done}/${n} images, top1 ${pct(tally.sums.top1 / done)}, ` +
          `${(done / s).toFixed(1)} img/s ETA ${fmtTime((s * (n - done)) / done)}`,
      );
    }
  }
  status.clear();
  return { tally, logits: all, n, seconds: (performance.now() - t0) / 1000 };
}
