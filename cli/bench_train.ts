/**
 * `slak bench train [--model ...] [--backend ...] [--batch n] [--size px] [--json]`: img/s of one
 * training step (forward, backward, AdamW, masks) per model, and the same step in PyTorch on the
 * CPU (bench/torch_train.py) for the ratio of step times.
 *
 * @module
 */
import { Command } from "commander";
import { type BenchTrainResult, benchTrainStep } from "../lib/train/bench.ts";
import {
  backendOption,
  type CommonFlags,
  info,
  out,
  positiveInt,
  selectBackend,
  textTable,
} from "./_common.ts";

const TORCH_SCRIPT = new URL("../bench/torch_train.py", import.meta.url).pathname;

interface TorchRow {
  model: string;
  msPerStep: number;
  imgPerSec: number;
  threads: number;
  torch: string;
}

async function torchTimes(
  python: string,
  models: string[],
  o: { batch: number; size: number; steps: number; threads: number; official?: string },
): Promise<TorchRow[] | string> {
  const args = [
    TORCH_SCRIPT,
    "--json",
    "--model",
    models.join(","),
    "--batch",
    String(o.batch),
    "--size",
    String(o.size),
    "--steps",
    String(o.steps),
    "--threads",
    String(o.threads),
    ...(o.official ? ["--official", o.official] : []),
  ];
  try {
    const r = await new Deno.Command(python, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    if (!r.success) {
      return `PyTorch baseline failed: ${dec.decode(r.stderr).trim().split("\n").pop()}`;
    }
    return JSON.parse(dec.decode(r.stdout)) as TorchRow[];
  } catch (e) {
    return `PyTorch baseline unavailable (${python}): ${(e as Error).message}`;
  }
}

/** The `bench train` subcommand. */
export function benchTrainCommand() {
  return new Command("train")
    .description("img/s of a training step, and the ratio to PyTorch on the CPU")
    .option("--model <names>", "comma-separated registry names", "slak_nano,convnext_nano")
    .addOption(backendOption())
    .option("--batch <n>", "images per step", positiveInt("--batch"), 8)
    .option("--size <px>", "input height = width", positiveInt("--size"), 64)
    .option("--steps <n>", "timed steps (median reported)", positiveInt("--steps"), 3)
    .option("--python <exe>", "Python with torch for the baseline", "/usr/bin/python3")
    .option("--torch-threads <n>", "PyTorch threads (0 = its default)", "0")
    .option("--official <dir>", "checkout of VITA-Group/SLaK for the PyTorch SLaK model")
    .option("--no-torch", "skip the PyTorch baseline")
    .option("--json", "print JSON")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const flags: CommonFlags = { quiet: opts.quiet };
      await selectBackend(opts.backend, flags);
      const models = String(opts.model).split(",").map((s) => s.trim()).filter(Boolean);
      const ours: BenchTrainResult[] = [];
      for (const m of models) {
        info(flags, `timing ${m} (batch ${opts.batch}, ${opts.size}px) ...`);
        ours.push(
          await benchTrainStep({
            model: m,
            batch: opts.batch,
            size: opts.size,
            warmup: 1,
            steps: opts.steps,
          }),
        );
      }
      let torch: TorchRow[] | string = "skipped (--no-torch)";
      if (opts.torch) {
        info(flags, "timing the same models in PyTorch ...");
        torch = await torchTimes(opts.python, models, {
          batch: opts.batch,
          size: opts.size,
          steps: opts.steps,
          threads: Number(opts.torchThreads),
          ...(opts.official ? { official: opts.official } : {}),
        });
      }
      const rows = ours.map((r) => {
        const t = typeof torch === "string" ? undefined : torch.find((x) => x.model === r.model);
        return {
          ...r,
          torch: t ? { msPerStep: t.msPerStep, imgPerSec: t.imgPerSec, threads: t.threads } : null,
          ratio: t ? r.msPerStep / t.msPerStep : null,
        };
      });
      if (opts.json) {
        out(JSON.stringify({ rows, torch: typeof torch === "string" ? torch : "ok" }, null, 2));
        return;
      }
      const table = [[
        "model",
        "backend",
        "batch",
        "ms/step",
        "img/s",
        "torch ms/step",
        "torch img/s",
        "ratio",
      ]];
      for (const r of rows) {
        table.push([
          r.model,
          r.backend,
          String(r.batch),
          r.msPerStep.toFixed(1),
          r.imgPerSec.toFixed(2),
          r.torch ? r.torch.msPerStep.toFixed(1) : "-",
          r.torch ? r.torch.imgPerSec.toFixed(2) : "-",
          r.ratio !== null ? `${r.ratio.toFixed(2)}x` : "-",
        ]);
      }
      out(textTable(table));
      if (typeof torch === "string") info(flags, torch);
      else {info(
          flags,
          `ratio = our step time / PyTorch's (goal <= 1.5x); torch threads ${torch[0]?.threads}`,
        );}
    });
}
