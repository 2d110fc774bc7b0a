/**
 * `slak ablate NAME`: expands an ablation spec (configs/ablations/NAME.yaml, or a spec file path)
 * at a scale, saves the plan in the sweep folder, runs this shard's runs (skipping finished ones,
 * resuming interrupted ones, each under a lock), keeps going past failures (but stops at a full
 * disk, read-only folder or missing permission), and prints the merged table at the end (stdout;
 * progress on stderr). Exits non-zero when a run failed (73/74 when the environment stopped it).
 * `--jobs N` (else SLAK_JOBS, else the number of cores) runs a training sweep's runs on N worker
 * processes (cli/_ablate_pool.ts); `--jobs 1` runs them one after another in this process.
 *
 * @module
 */
import { Command, Option } from "commander";

import {
  builtinSpecNames,
  detectShard,
  type Execute,
  executeCount,
  expandPlan,
  isDone as isResultDone,
  loadSpec,
  parseOnly,
  type Plan,
  resolveCountConfig,
  type Resolver,
  type RunnerOptions,
  runShard,
  type RunSummary,
  savePlan,
  scaleOf,
  selectRuns,
  shardRuns,
} from "../lib/experiments/mod.ts";
import { resolveTrainConfig, type TrainProgress } from "../lib/train/mod.ts";
import { EXIT, UserError } from "../lib/util/errors.ts";
import {
  backendChoiceOption,
  collect,
  type CommonFlags,
  coreCount,
  info,
  out,
  positiveInt,
  resolveThreads,
  textTable,
  threadsOption,
} from "./_common.ts";
import { describeModel } from "../lib/experiments/aggregate.ts";
import type { ModelConfig } from "../lib/config/model_config.ts";
import { tableJson, tableOf } from "./table.ts";
import { StatusLine } from "./_progress.ts";
import { eventLine, progressLine } from "./_ablate_lines.ts";
import { erfExecutor, trainExecutor } from "./_ablate_train.ts";
import { isErfDone } from "../lib/experiments/erf_run.ts";
import { erfSettingsOf } from "../lib/experiments/erf_settings.ts";
import { erfTablesOf } from "./_ablate_erf.ts";
import {
  resolveJobs,
  runParallel,
  runWorker,
  workerArgv,
  workerDenoFlags,
} from "./_ablate_pool.ts";

const trainResolver: Resolver = (input, where, sets) =>
  resolveTrainConfig(input, where, sets) as unknown as Record<string, unknown>;

function listPlan(plan: Plan, json: boolean, shardCount: number): void {
  if (json) {
    out(JSON.stringify(
      plan.runs.map((r) => ({
        id: r.id,
        name: r.name,
        index: r.index,
        shard: `${(r.index % shardCount) + 1}/${shardCount}`,
        labels: r.labels,
        seed: r.seed,
        config: r.config,
      })),
      null,
      2,
    ));
    return;
  }
  const rows = [["#", "id", "name", "model", "shard"]];
  for (const r of plan.runs) {
    rows.push([
      String(r.index + 1),
      r.id,
      r.name,
      describeModel(r.config.modelConfig as ModelConfig),
      `${(r.index % shardCount) + 1}/${shardCount}`,
    ]);
  }
  out(
    `${plan.title}: ${plan.runs.length} runs at scale ${plan.scale} (spec hash ${plan.specHash})`,
  );
  out(textTable(rows));
}

/** Runs this shard's runs one after another in this process (`--jobs 1`). */
async function runHere(
  plan: Plan,
  opts: Omit<RunnerOptions, "signal" | "onEvent">,
  flags: CommonFlags,
): Promise<RunSummary> {
  const ac = new AbortController();
  const onSignal = () => {
    info(flags, "stopping after a checkpoint of the current run (signal again to kill)");
    if (ac.signal.aborted) Deno.exit(EXIT.interrupted);
    ac.abort();
  };
  const sigs: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of sigs) Deno.addSignalListener(s, onSignal);
  const status = new StatusLine();
  try {
    return await runShard(plan, {
      ...opts,
      signal: ac.signal,
      onEvent: (e) => {
        if (flags.quiet) return;
        if (e.type === "progress") progressLine(status, e.run, e.progress as TrainProgress);
        else status.line(eventLine(e));
      },
    });
  } finally {
    status.clear();
    for (const s of sigs) Deno.removeSignalListener(s, onSignal);
  }
}

/** The `ablate` subcommand. */
export function ablateCommand() {
  return new Command("ablate")
    .description("run an ablation sweep (resumable, shardable) and print its table")
    .argument("[name]", "ablation name (configs/ablations/NAME.yaml) or a spec file path")
    .option("--scale <scale>", "smoke | small | medium | paper", "smoke")
    .option("--out <dir>", "sweep folder (default experiments/<name>/<scale>)")
    .option(
      "--shard <i/n>",
      "run shard i of n (1-based); else SLAK_SHARD or the engine's variables",
    )
    .option("--seeds <k>", "seeds 0..k-1 instead of the spec's", positiveInt("--seeds"))
    .option(
      "--set <path=value>",
      "override a config field in every run (repeatable)",
      collect,
      [] as string[],
    )
    .option(
      "--only <axis=levels>",
      "run only the runs with these labels, e.g. dataset=fmnist (repeatable; the plan is unchanged)",
      collect,
      [] as string[],
    )
    .option("--list", "print the plan and exit")
    .option("--json", "JSON output (the plan with --list, the table otherwise)")
    .option("--fail-fast", "stop at the first failed run")
    .option("--force", "replace the folder's plan when the spec changed")
    .addOption(backendChoiceOption("compute backend (default: the scale's, else auto)"))
    .addOption(threadsOption())
    .option(
      "--jobs <n>",
      "worker processes for a training sweep (default: SLAK_JOBS, else the number of cores; " +
        "1 = one run after another in this process)",
      positiveInt("--jobs"),
    )
    .addOption(new Option("--worker", "serve runs to a parent sweep (internal)").hideHelp())
    .option("--quiet", "no progress lines")
    .action(async (name, opts) => {
      const flags = { quiet: opts.quiet };
      if (!name) {
        if (opts.json && opts.list) return out(JSON.stringify(builtinSpecNames()));
        // with --json only JSON goes to stdout: the list for the usage error goes to stderr
        (opts.json ? console.error : out)(`ablations: ${builtinSpecNames().join(", ")}`);
        if (!opts.list) {
          throw new UserError("slak ablate: give an ablation NAME (see the list above)");
        }
        return;
      }

      const { spec, path } = await loadSpec(name);
      const resolve = spec.kind === "count" ? resolveCountConfig : trainResolver;
      const plan = expandPlan(spec, opts.scale, { seeds: opts.seeds, sets: opts.set, resolve });
      const shard = detectShard(opts.shard, (k) => Deno.env.get(k));
      if (opts.list) {
        listPlan(plan, !!opts.json, shard.count);
        return;
      }
      const dir = opts.out ?? `experiments/${spec.name}/${plan.scale}`;
      // An ERF sweep's run is done when trained and measured (erf.json with these settings).
      const erf = spec.kind === "erf" ? erfSettingsOf(scaleOf(spec, plan.scale)) : null;
      const isDone = erf ? (d: string, id: string) => isErfDone(d, id, erf) : isResultDone;
      const backend = opts.backend ?? scaleOf(spec, plan.scale).backend;
      if (opts.worker) return await runWorker(plan, dir, shard, backend);
      await savePlan(dir, plan, !!opts.force);
      const only = parseOnly(plan, opts.only);
      const mine = selectRuns(shardRuns(plan, shard.index, shard.count), only);
      const jobs = resolveJobs(opts.jobs, (k) => Deno.env.get(k));
      const todo = mine.filter((r) => !isDone(dir, r.id)).length;
      const parallel = spec.kind === "train" && jobs.jobs > 1 && todo > 1;
      const denoFlags = parallel ? workerDenoFlags() : null;
      const workers = Math.min(jobs.jobs, todo);
      // each worker process: --threads, else SLAK_THREADS, else an equal share of the cores
      const share = {
        threads: Math.max(1, Math.floor(coreCount() / workers)),
        source: "cores/jobs",
      };
      const threads = resolveThreads(opts.threads, (k) => Deno.env.get(k), share);
      info(
        flags,
        `${spec.title} [${path}] · scale ${plan.scale} · ${plan.runs.length} runs · shard ` +
          `${shard.index}/${shard.count} from ${shard.source}: ${mine.length} runs · folder ${dir}` +
          (denoFlags
            ? ` · ${workers} worker processes (--jobs ${jobs.jobs} from ${jobs.source}), ` +
              `backend ${backend} and ${threads.threads} threads (${threads.source}) each`
            : ""),
      );
      let summary: RunSummary;
      if (denoFlags) {
        const argv = workerArgv(denoFlags, {
          name,
          scale: plan.scale,
          dir,
          seeds: opts.seeds,
          sets: opts.set,
          shard: opts.shard,
          backend,
          threads: threads.threads,
        });
        summary = await runParallel(plan, {
          dir,
          shard,
          only,
          runs: mine.length,
          jobs: workers,
          failFast: !!opts.failFast,
          argv,
          flags,
        });
      } else {
        if (parallel) {
          info(
            flags,
            `--jobs ${jobs.jobs}: this process runs with restricted Deno permissions, which ` +
              `worker processes could not be given; running the runs here, one at a time`,
          );
        }
        if (erf && opts.jobs !== undefined && opts.jobs > 1 && todo > 1) {
          info(
            flags,
            `--jobs ${opts.jobs}: an ERF sweep runs its runs here, one at a time; start several ` +
              `processes with --shard i/n to run them in parallel`,
          );
        }
        const ex: { execute: Execute; meta: Record<string, unknown> } = spec.kind === "count"
          ? { execute: executeCount, meta: {} }
          : erf
          ? await erfExecutor(backend, flags, erf)
          : await trainExecutor(backend, flags);
        const failFast = !!opts.failFast;
        summary = await runHere(plan, { dir, shard, only, failFast, isDone, ...ex }, flags);
      }
      const table = await tableOf(dir, flags);
      const erfTable = erf ? await erfTablesOf(dir, plan, flags) : null;
      if (opts.json) {
        out(
          JSON.stringify(
            { ...tableJson(table), ...(erfTable ? { erf: erfTable.rows } : {}) },
            null,
            2,
          ),
        );
      } else {
        out(table.markdown.trimEnd());
        if (erfTable) out(`\n${erfTable.markdown.trimEnd()}`);
      }
      info(
        flags,
        `shard ${shard.index}/${shard.count}: ${summary.ran.length} ran, ${summary.skipped.length} ` +
          `already done, ${summary.busy.length} locked elsewhere, ${summary.failed.length} failed` +
          (table.files.length ? ` · tables in ${dir}` : ""),
      );
      if (summary.interrupted) {
        throw new UserError("interrupted; rerun the same command to resume", EXIT.interrupted);
      }
      const list = summary.failed.map((f) => `\n  ${f.name} [${f.id}]: ${f.message}`).join("");
      if (summary.stopped) {
        // Disk full, read-only folder or no permission: every later run would fail the same way.
        throw new UserError(
          `sweep stopped: ${summary.stopped.message}; ${summary.stopped.notStarted} of ` +
            `${summary.planned} runs not started (free space or fix permissions, then rerun to ` +
            `resume):${list}`,
          summary.stopped.exitCode,
        );
      }
      if (summary.failed.length) {
        throw new UserError(
          `${summary.failed.length} of ${summary.planned} runs failed (error.json in each run ` +
            `folder; rerun to retry):${list}`,
          EXIT.failure,
        );
      }
    });
}
