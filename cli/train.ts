/**
 * `slak train --config F [--set ...] --out DIR [--resume] [--backend ...] [--quiet]`: one
 * training run into DIR. Progress on stderr (a bar on a terminal, one line per epoch otherwise);
 * SIGINT/SIGTERM write a checkpoint and exit with 130; `--resume` continues exactly.
 *
 * @module
 */
import { Command, Option } from "commander";
import type { BackendName } from "../lib/ops/mod.ts";
import { loadTrainConfig } from "../lib/train/resolve.ts";
import { type TrainProgress, type TrainResult, trainRun } from "../lib/train/run.ts";
import { UserError } from "../lib/util/errors.ts";
import { collect, type CommonFlags, info, out, selectBackend } from "./_common.ts";

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "--:--";
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
    : `${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? "-" : `${(100 * x).toFixed(1)}%`;
}

/**
 * A progress renderer for stderr: on a terminal, a bar redrawn in place (img/s, loss, ETA);
 * otherwise one line per epoch. Honours --quiet (nothing) and NO_COLOR.
 */
export function progressRenderer(flags: CommonFlags): (ev: TrainProgress) => void {
  const tty = Deno.stderr.isTerminal();
  const color = tty && !Deno.env.get("NO_COLOR") && Deno.env.get("TERM") !== "dumb";
  const enc = new TextEncoder();
  let barShown = false;
  const write = (s: string) => Deno.stderr.writeSync(enc.encode(s));
  const clear = () => {
    if (barShown) write("\r\x1b[2K");
    barShown = false;
  };
  const line = (s: string) => {
    clear();
    info(flags, s);
  };
  return (ev) => {
    if (flags.quiet) return;
    switch (ev.type) {
      case "start":
        line(
          `${ev.resumed ? `resuming at step ${ev.step}` : "training"}: ${ev.dataset}, ` +
            `${ev.epochs} epochs x ${ev.stepsPerEpoch} steps = ${ev.totalSteps} steps, ` +
            `${ev.params.nonzero.toLocaleString("en-US")} non-zero of ` +
            `${ev.params.dense.toLocaleString("en-US")} params`,
        );
        break;
      case "step": {
        if (!tty) break;
        const width = 24;
        const done = Math.round((width * ev.step) / ev.totalSteps);
        const bar = "#".repeat(done) + "-".repeat(width - done);
        const text = `[${bar}] ${ev.step}/${ev.totalSteps} ep ${ev.epoch} loss ${
          ev.loss.toFixed(4)
        } lr ${ev.lr.toExponential(2)} ${ev.imgPerSec.toFixed(1)} img/s ETA ${
          fmtTime(ev.etaSeconds)
        }`;
        write(`\r\x1b[2K${color ? `\x1b[36m${text}\x1b[0m` : text}`);
        barShown = true;
        break;
      }
      case "epoch": {
        const r = ev.record;
        const ema = r.ema ? ` | ema top1 ${pct(r.ema.top1)}` : "";
        line(
          `epoch ${r.epoch}/${ev.epochs} step ${r.step}: train loss ${r.loss.toFixed(4)} | ` +
            `test loss ${r.evalLoss?.toFixed(4)} top1 ${pct(r.top1)}` +
            (r.top5 !== null && r.top5 !== undefined ? ` top5 ${pct(r.top5)}` : "") + ema +
            ` | density ${r.density.toFixed(4)} | ${r.imgPerSec.toFixed(1)} img/s, data ${
              pct(r.dataShare)
            }`,
        );
        break;
      }
      case "topology":
        if (tty) {
          line(
            `step ${ev.record.step}: prune-and-grow at rate ${
              ev.record.pruneRate?.toFixed(4)
            }, density ${ev.record.density.toFixed(4)}`,
          );
        }
        break;
      case "checkpoint":
        if (ev.reason === "signal") line(`checkpoint written at step ${ev.step}`);
        break;
      case "message":
        line(ev.text);
        break;
    }
  };
}

function summary(r: TrainResult): string {
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
    .requiredOption("--out <dir>", "output folder (must be empty unless --resume)")
    .option("--resume", "continue the run in --out from its last checkpoint")
    .addOption(
      new Option("--backend <name>", "compute backend").choices(["cpu", "webgpu", "auto"])
        .default("auto"),
    )
    .option("--quiet", "no progress output")
    .option("--json", "print result.json to stdout when done")
    .action(async (opts) => {
      const flags: CommonFlags = { quiet: opts.quiet };
      const config = await loadTrainConfig(opts.config, opts.set);
      if (!opts.resume) {
        try {
          for (const _ of Deno.readDirSync(opts.out)) {
            throw new UserError(
              `--out ${opts.out} is not empty; pass --resume to continue the run in it, ` +
                `or choose a new folder`,
            );
          }
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      }
      const be = await selectBackend(opts.backend as BackendName, flags);
      const ctrl = new AbortController();
      const onSignal = () => {
        if (!ctrl.signal.aborted) info(flags, "stopping: writing a checkpoint ...");
        ctrl.abort();
      };
      const sigs: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
      for (const s of sigs) Deno.addSignalListener(s, onSignal);
      try {
        const result = await trainRun(config, {
          outDir: opts.out,
          resume: opts.resume ?? false,
          onProgress: progressRenderer(flags),
          meta: { adapter: be.adapter, command: ["slak", ...Deno.args] },
          signal: ctrl.signal,
        });
        info(flags, summary(result));
        if (opts.json) out(JSON.stringify(result, null, 2));
      } finally {
        for (const s of sigs) Deno.removeSignalListener(s, onSignal);
      }
    });
}
