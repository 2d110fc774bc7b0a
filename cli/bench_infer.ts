/**
 * `slak bench infer [MODEL] [--weights F]`: eval-mode img/s at 224 px and at the small scale for
 * the dense unmerged model, the merged model, merged + sparse taps, and ConvNeXt, on the current
 * adapter. Without --weights the large-kernel weights get random exact zeros at the config's
 * sparsity (40 % for SLaK), as trained SLaK checkpoints have. With Python and torch at hand,
 * PyTorch's eval-mode img/s of the same 224 px models (bench/torch_infer.py) at our thread count
 * is printed alongside, and every row carries the machine load it was measured at.
 *
 * @module
 */
import { Command } from "commander";
import type { ModelConfig } from "../lib/config/model_config.ts";
import {
  blockPlan,
  buildModel,
  checkStateDict,
  disposeMergedModel,
  disposeModel,
  forward,
  forwardMerged,
  loadStateDict,
  mergedFormsFor,
  type MergedForwardOptions,
  type Model,
  reparameterize,
  resolveModelConfig,
} from "../lib/models/mod.ts";
import { threadCount } from "../lib/ops/_threads/mod.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/util/rng.ts";
import {
  backendOption,
  collect,
  info,
  out,
  positiveInt,
  selectBackend,
  textTable,
  threadsOption,
} from "./_common.ts";
import { modelForWeights } from "./_model_source.ts";
import { loadText, machineLoad, torchEnv } from "./_bench_env.ts";

async function sparsify(model: Model, sparsity: number, seed: number): Promise<void> {
  const rng = Rng.stream(seed, "bench-mask");
  for (const [name, v] of model.params) {
    if (!/(large_kernel\..*conv|dwconv)\.weight$/.test(name)) continue;
    const data = Float32Array.from(await v.data() as Float32Array);
    for (let i = 0; i < data.length; i++) if (rng.uniform() < sparsity) data[i] = 0;
    v.assign(tf.tensor(data, v.shape));
  }
}

async function imgPerSec(
  run: () => tf.Tensor,
  batch: number,
  minSeconds: number,
  minIters: number,
): Promise<number> {
  const warm = run();
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  let iters = 0;
  while (iters < minIters || performance.now() - t0 < minSeconds * 1000) {
    const y = run();
    await y.data();
    y.dispose();
    iters++;
  }
  return (batch * iters) / ((performance.now() - t0) / 1000);
}

interface Row {
  scale: string;
  variant: string;
  imgs: number;
  note: string;
  /** 1-minute load average when the row was measured. */
  load: number;
}

const TORCH_SCRIPT = new URL("../bench/torch_infer.py", import.meta.url).pathname;
const TORCH_MODELS = ["slak_tiny", "convnext_tiny"];
/** PyTorch eval img/s of `models` at `size` px with `o.threads` threads (ours), or why not. */
async function torchRows(
  python: string,
  models: string[],
  o: { batch: number; size: number; scale: string; threads: number },
): Promise<Row[] | string> {
  const te = await torchEnv(python, o.threads);
  const args = [TORCH_SCRIPT, "--json", "--model", models.join(","), "--batch", String(o.batch)];
  args.push("--size", String(o.size), "--threads", String(o.threads));
  try {
    const r = await new Deno.Command(python, {
      args,
      env: te.env,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const dec = new TextDecoder();
    if (!r.success) {
      return `PyTorch baseline failed: ${dec.decode(r.stderr).trim().split("\n").pop()}`;
    }
    const load = machineLoad().load[0];
    return (JSON.parse(dec.decode(r.stdout)) as { model: string; imgPerSec: number }[]).map((
      t,
    ) => ({
      scale: o.scale,
      variant: `PyTorch ${t.model}`,
      imgs: t.imgPerSec,
      note: te.note,
      load,
    }));
  } catch (e) {
    return `PyTorch baseline unavailable (${python}): ${(e as Error).message}`;
  }
}

/**
 * Our img/s over PyTorch's for the same model and scale at the same thread count ("-" for the
 * PyTorch rows themselves and where PyTorch did not run): the ConvNeXt row against PyTorch's
 * ConvNeXt, every other row against PyTorch's SLaK model.
 */
function torchRatio(rows: readonly Row[], r: Row): string {
  if (r.variant.startsWith("PyTorch ")) return "-";
  const convnext = r.variant.startsWith("convnext");
  const t = rows.find((d) =>
    d.scale === r.scale && d.variant.startsWith("PyTorch ") &&
    d.variant.includes("convnext") === convnext
  );
  return t ? `${(r.imgs / t.imgs).toFixed(2)}x` : "-";
}

/** The `bench infer` subcommand. */
export function benchInferCommand() {
  return new Command("infer")
    .description("inference img/s: dense unmerged, merged, merged + sparse taps, ConvNeXt")
    .argument("[model]", "model at 224 px (default slak_tiny)")
    .option("--weights <file>", "weights of MODEL (default: init with the config's sparsity)")
    .option("--small <model>", "model of the small scale", "slak_nano")
    .option("--small-baseline <model>", "ConvNeXt of the small scale", "convnext_nano")
    .option("--baseline <model>", "ConvNeXt at 224 px", "convnext_tiny")
    .option("--input-size <px>", "large input size", positiveInt("--input-size"), 224)
    .option(
      "--small-input-size <px>",
      "small input size",
      positiveInt("--small-input-size"),
      64,
    )
    .option("--batch-size <n>", "images per forward", positiveInt("--batch-size"), 1)
    .option("--seconds <s>", "minimum timed seconds per row", (v) => Number(v), 5)
    .option("--iters <n>", "minimum timed forwards per row", positiveInt("--iters"), 2)
    .option("--scales <list>", "which scales: large,small", "large,small")
    .option("--sparse-threshold <r>", "auto rule threshold (sparse work / dense work)", Number)
    .option("--config <file>", "YAML/JSON file of model fields")
    .option("--set <path=value>", "override a field of MODEL (repeatable)", collect, [] as string[])
    .option(
      "--json [file]",
      "print the rows as JSON to stdout instead of the table (deprecated: --json FILE writes " +
        "them to FILE next to the table)",
    )
    .option("--python <exe>", "Python with torch for the 224 px baseline", "/usr/bin/python3")
    .option("--no-torch", "skip the PyTorch baseline")
    .addOption(backendOption())
    .addOption(threadsOption())
    .option("--quiet", "no progress on stderr")
    .action(async (modelName, opts) => {
      if (typeof opts.json === "string") {
        console.error("slak: warning: --json FILE is deprecated, use --json > FILE");
      }
      const be = await selectBackend(opts.backend, opts);
      const rows: Row[] = [];
      const scales = opts.scales.split(",");
      const plan: {
        scale: string;
        config: ModelConfig;
        weights?: string | undefined;
        base: string;
        size: number;
      }[] = [];
      if (scales.includes("large")) {
        let config: ModelConfig;
        if (opts.weights) {
          config = (await modelForWeights(modelName, opts.weights, opts)).config;
        } else {
          config = resolveModelConfig(modelName ?? "slak_tiny", { sets: opts.set });
        }
        plan.push({
          scale: `${opts.inputSize}px`,
          config,
          weights: opts.weights,
          base: opts.baseline,
          size: opts.inputSize,
        });
      }
      if (scales.includes("small")) {
        plan.push({
          scale: `${opts.smallInputSize}px`,
          config: resolveModelConfig(opts.small),
          base: opts.smallBaseline,
          size: opts.smallInputSize,
        });
      }
      for (const p of plan) {
        const x = tf.randomNormal([
          opts.batchSize,
          p.size,
          p.size,
          p.config.inChannels,
        ]) as tf.Tensor4D;
        const model = buildModel(p.config, { seed: 0, zeros: !!p.weights });
        if (p.weights) {
          const w = await modelForWeights(modelName, p.weights, opts);
          checkStateDict(p.config, w.weights.state, p.weights);
          loadStateDict(model, w.weights.state, p.weights);
        } else {
          await sparsify(model, p.config.sparsity, 0);
        }
        const time = (run: () => tf.Tensor) =>
          imgPerSec(run, opts.batchSize, opts.seconds, opts.iters);
        const add = async (variant: string, run: () => tf.Tensor, note = "") => {
          info(opts, `bench infer: ${p.scale} ${variant} ...`);
          const imgs = await time(run);
          rows.push({ scale: p.scale, variant, imgs, note, load: machineLoad().load[0] });
        };
        await add("dense unmerged", () => forward(model, x, { training: false }));
        const form = mergedFormsFor(p.config)[0]!;
        const merged = await reparameterize(model, form);
        await add(`merged (${form})`, () => forwardMerged(merged, x));
        const stages = p.config.depths.map((_, s) => {
          const side = Math.floor(p.size / 4 / 2 ** s);
          const bp = blockPlan(merged, s, 0, side, side, "auto", opts.sparseThreshold);
          return `${bp.density.toFixed(2)}/${bp.workRatio.toFixed(2)}${bp.sparse ? "*" : ""}`;
        });
        const autoSparse: MergedForwardOptions = {
          sparse: "auto",
          ...(opts.sparseThreshold !== undefined ? { sparseThreshold: opts.sparseThreshold } : {}),
        };
        await add(
          "merged + sparse taps (auto)",
          () => forwardMerged(merged, x, autoSparse),
          `density/work per stage ${stages.join(" ")} (* = sparse)`,
        );
        await add("merged + sparse taps (all)", () => forwardMerged(merged, x, { sparse: "on" }));
        disposeMergedModel(merged);
        disposeModel(model);
        const baseCfg = resolveModelConfig(p.base, { sets: [`inChannels=${p.config.inChannels}`] });
        const base = buildModel(baseCfg, { seed: 0 });
        await add(p.base, () => forward(base, x, { training: false }));
        disposeModel(base);
        x.dispose();
        const torchModels = [p.config === plan[0]?.config ? modelName ?? "slak_tiny" : "", p.base]
          .filter((m) => TORCH_MODELS.includes(m));
        if (opts.torch && p.size === opts.inputSize && torchModels.length > 0 && !opts.weights) {
          info(opts, `bench infer: ${p.scale} PyTorch ${torchModels.join(", ")} ...`);
          const t = await torchRows(opts.python, torchModels, {
            batch: opts.batchSize,
            size: p.size,
            scale: p.scale,
            threads: threadCount(),
          });
          if (typeof t === "string") info(opts, t);
          else rows.push(...t);
        }
      }
      const header = ["scale", "variant", "img/s", "x dense", "x PyTorch", "load", "note"];
      const table = [header];
      for (const r of rows) {
        const dense = rows.find((d) => d.scale === r.scale && d.variant === "dense unmerged")!;
        table.push([
          r.scale,
          r.variant,
          r.imgs.toFixed(3),
          (r.imgs / dense.imgs).toFixed(2) + "x",
          torchRatio(rows, r),
          r.load.toFixed(2),
          r.note,
        ]);
      }
      const json = JSON.stringify({ backend: be, batch: opts.batchSize, rows }, null, 2);
      if (opts.json === true) {
        out(json);
        return;
      }
      out(
        `adapter: ${be.backend}${be.adapter ? ` (${be.adapter})` : ""}, batch ${opts.batchSize}, ` +
          `${threadCount()} thread(s); ${loadText()}`,
      );
      out(textTable(table));
      if (typeof opts.json === "string") await Deno.writeTextFile(opts.json, json);
    });
}
