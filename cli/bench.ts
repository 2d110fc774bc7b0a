/**
 * `slak bench ...`: benchmarks that print ratios against a baseline measured in the same run.
 * Each benchmark lives in its own file and is added here.
 *
 * @module
 */
import { Command } from "commander";
import { benchInferCommand } from "./bench_infer.ts";
import { benchKernelsCommand } from "./bench_kernels.ts";
import { benchThreadsCommand } from "./bench_threads.ts";
import { benchTrainCommand } from "./bench_train.ts";

/** The `bench` command group. */
export function benchCommand() {
  const bench = new Command("bench").description(
    "benchmarks (ratios against a baseline measured in the same process)",
  );
  bench.addCommand(benchKernelsCommand());
  bench.addCommand(benchInferCommand());
  bench.addCommand(benchTrainCommand());
  bench.addCommand(benchThreadsCommand());
  return bench;
}
