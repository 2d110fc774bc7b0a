/**
 * `slak bench kernels`: interleaved A/B of our depthwise kernels against tfjs's built-in ones
 * (forward, dx, dW) on the shapes of shared/kernels.md §6.4; table on stdout, progress on stderr.
 *
 * @module
 */
import { threadCount } from "../lib/ops/_threads/pool.ts";
import { Command, Option } from "commander";
import { loadText, machineLoad, torchEnv } from "./_bench_env.ts";
import { tf } from "../lib/tf.ts";
import { initBackendSelection } from "../lib/ops/mod.ts";
import { UserError } from "../lib/util/errors.ts";
import { runKernelBench } from "../bench/kernel_bench.ts";
import { selectShapes } from "../bench/kernel_shapes.ts";
import {
  renderTable,
  renderTargets,
  summarizeTargets,
  type TorchFile,
} from "../bench/kernel_report.ts";
import { backendOption, positiveInt, threadsOption } from "./_common.ts";

async function adapterDescription(backend: string): Promise<string> {
  if (backend !== "webgpu") return "cpu (tfjs-backend-cpu; our kernels in WebAssembly SIMD)";
  const gpu = (globalThis.navigator as { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter();
  const info = adapter?.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((p) =>
    p
  );
  return parts.length > 0 ? parts.join(" / ") : "unnamed adapter (no GPUAdapterInfo fields)";
}

const TORCH_KERNELS = new URL("../bench/torch_kernels.py", import.meta.url).pathname;

/** The `kernels` subcommand (mounted as `slak bench kernels`). */
export function benchKernelsCommand() {
  return new Command("kernels")
    .description("A/B of our large-kernel depthwise kernels vs tfjs's built-in ones")
    .addOption(backendOption())
    .addOption(threadsOption())
    .addOption(
      new Option(
        "--program <family>",
        "WebGPU program family (auto: line on software adapters, tile on GPUs; staged: " +
          "workgroup-memory tiles for GPUs)",
      ).choices(["auto", "line", "tile", "staged"] as const).default("auto" as const),
    )
    .option("--json", "print JSON instead of a markdown table", false)
    .option("--batch-size <n>", "images per batch", positiveInt("--batch-size"), 4)
    .option("--rounds <n>", "interleaved timing rounds", positiveInt("--rounds"), 5)
    .option("--shapes <list>", "comma-separated substrings of shape ids (e.g. k51x5,k31x31)")
    .option(
      "--torch <file|auto>",
      "adds a PyTorch column: JSON from bench/torch_kernels.py, or auto to run it here on the " +
        "cpu with our thread count (pinned, OpenBLAS core type checked)",
    )
    .option("--python <exe>", "Python with torch for --torch auto", "/usr/bin/python3")
    .action(async (opts) => {
      const { backend, autoChoice } = await initBackendSelection(opts.backend);
      if (autoChoice) console.error(autoChoice);
      const shapes = selectShapes(opts.shapes);
      let torch: TorchFile | undefined;
      let torchNote = "";
      if (opts.torch === "auto") {
        const te = await torchEnv(opts.python, threadCount());
        torchNote = te.note;
        console.error(`running bench/torch_kernels.py: ${torchNote}; ${loadText()}`);
        const args = [
          TORCH_KERNELS,
          "--batch",
          String(opts.batchSize),
          "--rounds",
          String(opts.rounds),
        ];
        args.push("--threads", String(threadCount()));
        if (opts.shapes) args.push("--shapes", opts.shapes);
        const r = await new Deno.Command(opts.python, { args, env: te.env, stdout: "piped" })
          .output().catch((e: Error) => {
            throw new UserError(`--torch auto: cannot run ${opts.python} (${e.message})`);
          });
        if (!r.success) throw new UserError(`--torch auto: bench/torch_kernels.py failed`);
        torch = JSON.parse(new TextDecoder().decode(r.stdout)) as TorchFile;
      } else if (opts.torch) {
        try {
          torch = JSON.parse(await Deno.readTextFile(opts.torch)) as TorchFile;
        } catch (e) {
          throw new UserError(`--torch ${opts.torch}: cannot read JSON (${(e as Error).message})`);
        }
        if (torch.batch !== opts.batchSize) {
          throw new UserError(
            `--torch ${opts.torch}: batch ${torch.batch} differs from --batch-size ${opts.batchSize}`,
          );
        }
      }
      const adapter = await adapterDescription(backend);
      console.error(`backend ${backend}; adapter: ${adapter}`);
      const results = await runKernelBench({
        batch: opts.batchSize,
        rounds: opts.rounds,
        shapes,
        family: opts.program,
        onProgress: (line) => console.error(line),
      });
      const summary = summarizeTargets(results, torch);
      const meta = {
        backend,
        adapter,
        deno: Deno.version.deno,
        tfjs: tf.version_core,
        batch: opts.batchSize,
        rounds: opts.rounds,
        program: opts.program,
        torch: torch
          ? { version: torch.torch, threads: torch.threads, note: torchNote }
          : undefined,
        ourThreads: threadCount(),
        load: machineLoad(),
      };
      if (opts.json) {
        console.log(JSON.stringify({ meta, results, summary, torch }, null, 2));
        return;
      }
      console.log(
        `backend ${backend} | adapter ${adapter} | Deno ${meta.deno} | tfjs ${meta.tfjs} | ` +
          `batch ${opts.batchSize} | program ${opts.program} | ${opts.rounds} rounds (median, min)` +
          (torch ? ` | PyTorch ${torch.torch}, ${torch.threads} threads` : "") +
          ` | ours ${threadCount()} thread | ${loadText()}`,
      );
      if (torch && torch.threads !== threadCount()) {
        console.log(
          `note: PyTorch ran with ${torch.threads} threads, ours with ${threadCount()}: ` +
            `not like with like (use --torch auto)`,
        );
      }
      console.log("");
      console.log(renderTable(results, torch));
      console.log("");
      console.log(renderTargets(summary));
    });
}
