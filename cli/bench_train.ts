/**
 * `slak bench train [--model ...] [--backend ...] [--batch-size n] [--input-size px] [--json]`:
 * img/s of one training step (forward, backward, AdamW, masks) per model, and the same step in
 * PyTorch on the CPU (bench/torch_train.py) for the ratio of step times. Like with like: PyTorch
 * runs with our thread count (all its pools pinned; OpenBLAS told the real CPU family when it
 * misdetects it), and the machine load is printed next to every ratio.
 *
 * @module
 */
import { threadCount } from "../lib/ops/_threads/pool.ts";
import { Command } from "commander";
import { type BenchTrainResult, benchTrainStep } from "../lib/train/bench.ts";
import { loadText, type MachineLoad, machineLoad, torchEnv } from "./_bench_env.ts";
import {
  backendOption,
  type CommonFlags,
  info,
  out,
  positiveInt,
  selectBackend,
  textTable,
  threadsOption,
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
  env: Record<string, string>,
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
    const r = await new Deno.Command(python, { args, env, stdout: "piped", stderr: "piped" })
      .output();
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
    .addOption(threadsOption())
    .option("--batch-size <n>", "images per step", positiveInt("--batch-size"), 8)
    .option("--input-size <px>", "input height = width", positiveInt("--input-size"), 64)
    .option("--steps <n>", "timed steps (median reported)", positiveInt("--steps"), 3)
    .option("--python <exe>", "Python with torch for the baseline", "/usr/bin/python3")
    .option(
      "--torch-threads <n>",
      "PyTorch threads (default: ours, --threads; another value is not like with like)",
      positiveInt("--torch-threads"),
    )
    .option("--official <dir>", "checkout of VITA-Group/SLaK for the PyTorch SLaK model")
    .option("--no-torch", "skip the PyTorch baseline")
    .option("--json", "print JSON")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const flags: CommonFlags = { quiet: opts.quiet };
      await selectBackend(opts.backend, flags);
      const models = String(opts.model).split(",").map((s) => s.trim()).filter(Boolean);
      const ours: (BenchTrainResult & { load: MachineLoad })[] = [];
      for (const m of models) {
        info(flags, `timing ${m} (batch ${opts.batchSize}, ${opts.inputSize}px) ... ${loadText()}`);
        const r = await benchTrainStep({
          model: m,
          batch: opts.batchSize,
          size: opts.inputSize,
          warmup: 1,
          steps: opts.steps,
        });
        ours.push({ ...r, load: machineLoad() });
      }
      let torch: TorchRow[] | string = "skipped (--no-torch)";
      let torchNote = "";
      if (opts.torch) {
        const threads = opts.torchThreads ?? threadCount();
        const te = await torchEnv(opts.python, threads);
        torchNote = te.note + (threads !== threadCount() ? ` (ours: ${threadCount()} thread)` : "");
        info(flags, `timing the same models in PyTorch: ${torchNote} ...`);
        torch = await torchTimes(opts.python, models, {
          batch: opts.batchSize,
          size: opts.inputSize,
          steps: opts.steps,
          threads,
          ...(opts.official ? { official: opts.official } : {}),
        }, te.env);
      }
      const torchLoad = machineLoad();
      const rows = ours.map((r) => {
        const t = typeof torch === "string" ? undefined : torch.find((x) => x.model === r.model);
        return {
          ...r,
          threads: threadCount(),
          torch: t ? { msPerStep: t.msPerStep, imgPerSec: t.imgPerSec, threads: t.threads } : null,
          ratio: t ? r.msPerStep / t.msPerStep : null,
          torchLoad,
        };
      });
      if (opts.json) {
        out(JSON.stringify(
          { rows, torch: typeof torch === "string" ? torch : "ok", torchNote },
          null,
          2,
        ));
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
        "load (ours / torch)",
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
          `${r.load.load[0].toFixed(2)} / ${r.torchLoad.load[0].toFixed(2)}`,
        ]);
      }
      out(textTable(table));
      if (typeof torch === "string") info(flags, torch);
      else {
        info(flags, `ratio = our step time / PyTorch's at the same thread count; ${torchNote}`);
        info(
          flags,
          `${loadText()}; 1-minute load averages per row (a loaded machine skews ratios)`,
        );
      }
    });
}
