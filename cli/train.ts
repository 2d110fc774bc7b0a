/**
 * `slak train --config F [--set ...] [--init FILE] --out DIR [--resume] [--backend ...] [--quiet]`:
 * one training run into DIR (`--init`: initial weights and optional masks, config field `run.init`). Progress on stderr (a bar on a terminal, one line per step otherwise);
 * SIGINT/SIGTERM write a checkpoint and exit with 130; `--resume` continues exactly.
 *
 * @module
 */
import { Command } from "commander";

import type { OverrideInput } from "../lib/config/layering.ts";
import { loadTrainConfig } from "../lib/train/resolve.ts";
import type { TrainProgress, TrainResult } from "../lib/train/run.ts";
import { trainTaskRun } from "../lib/train/seg_run.ts";
import type { SegTrainResult } from "../lib/train/seg_types.ts";
import { checkOutFolder } from "../lib/train/run_folder.ts";
import {
  backendOption,
  collect,
  type CommonFlags,
  info,
  out,
  positiveInt,
  selectBackend,
  threadsOption,
} from "./_common.ts";
import { epochText, pct, StatusLine, stepText } from "./_progress.ts";

/**
 * A progress renderer for stderr: on a terminal, a bar redrawn in place (step, loss, lr, img/s,
 * ETA) under one line per epoch; otherwise one line per step and per epoch. Honours --quiet
 * (nothing) and NO_COLOR.
 */
export function progressRenderer(
  flags: CommonFlags,
  status: StatusLine = new StatusLine(),
): (ev: TrainProgress) => void {
  return (ev) => {
    if (flags.quiet) return;
    switch (ev.type) {
      case "start":
        status.line(
          `${ev.resumed ? `resuming at step ${ev.step}` : "training"}: ${ev.dataset}, ` +
            `${ev.epochs} epochs x ${ev.stepsPerEpoch} steps = ${ev.totalSteps} steps, ` +
            `${ev.params.nonzero.toLocaleString("en-US")} non-zero of ` +
            `${ev.params.dense.toLocaleString("en-US")} params`,
        );
        break;
      case "step":
        status.status(stepText(ev, status.tty));
        break;
      case "epoch":
        status.line(epochText(ev));
        break;
      case "topology":
        status.line(
          `step ${ev.record.step}: prune-and-grow at rate ${
            ev.record.pruneRate.toFixed(4)
          }, density ${ev.record.density.toFixed(4)}`,
        );
        break;
      case "checkpoint":
        if (ev.reason === "signal") status.line(`checkpoint written at step ${ev.step}`);
        break;
      case "message":
        status.line(ev.text);
        break;
    }
  };
}

function summary(r: TrainResult | SegTrainResult): string {
  if ("task" in r) {
    return `done: mIoU ${pct(r.miou)} aAcc ${pct(r.aAcc)} (best mIoU ${pct(r.bestMiou)}) | ` +
      `${r.steps} steps, ${r.imgPerSec.toFixed(1)} img/s | ${r.wallSeconds.toFixed(1)} s`;
  }
  return `done: test loss ${r.loss.toFixed(4)} top1 ${pct(r.top1)}` +
    (r.top5 !== null ? ` top5 ${pct(r.top5)}` : "") +
    ` | density ${r.density.toFixed(4)} | ${r.steps} steps, ${r.imgPerSec.toFixed(1)} img/s, data ${
      pct(r.dataShare)
    } | ${r.wallSeconds.toFixed(1)} s`;
}

/** The `train` subcommand. */
export function trainCommand() {
  return new Command("train")
    .description("train a model (sparse SLaK or dense) into an output folder")
    .requiredOption("--config <file>", "training config (YAML or JSON)")
    .option("--set <path=value>", "override a config field (repeatable)", collect, [] as string[])
    .option(
      "--init <file>",
      "initial weights: .pth/.safetensors state_dict with official keys, optional masks.<name> " +
        "tensors (sets run.init)",
    )
    .requiredOption("--out <dir>", "output folder (must be empty unless --resume)")
    .option("--resume", "continue the run in --out from its last checkpoint")
    .addOption(backendOption())
    .addOption(threadsOption())
    .option(
      "--log-every <k>",
      "every K steps, a step record in metrics.jsonl and step scalars in the TensorBoard file",
      positiveInt("--log-every"),
    )
    .option("--quiet", "no progress output")
    .option("--json", "print result.json to stdout when done")
    .action(async (opts) => {
      const flags: CommonFlags = { quiet: opts.quiet };
      const sets: OverrideInput[] = [...opts.set];
      if (opts.init !== undefined) {
        sets.push({ path: ["run", "init"], value: opts.init, source: `--init ${opts.init}` });
      }
      const config = await loadTrainConfig(opts.config, sets);
      await checkOutFolder(opts.out, opts.resume ?? false);
      const be = await selectBackend(opts.backend, flags);
      const ctrl = new AbortController();
      const onSignal = () => {
        if (!ctrl.signal.aborted) info(flags, "stopping: writing a checkpoint ...");
        ctrl.abort();
      };
      const sigs: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
      for (const s of sigs) Deno.addSignalListener(s, onSignal);
      try {
        const result = await trainTaskRun(config, {
          outDir: opts.out,
          resume: opts.resume ?? false,
          onProgress: progressRenderer(flags),
          meta: { adapter: be.adapter, command: ["slak", ...Deno.args] },
          signal: ctrl.signal,
          ...(opts.logEvery !== undefined ? { logEvery: opts.logEvery } : {}),
        });
        info(flags, summary(result));
        if (opts.json) out(JSON.stringify(result, null, 2));
      } finally {
        for (const s of sigs) Deno.removeSignalListener(s, onSignal);
      }
    });
}
