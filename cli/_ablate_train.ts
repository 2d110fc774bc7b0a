/**
 * The executors of a sweep's runs: selects the backend (reported on stderr unless quiet) and
 * trains each run into its folder; for an ERF sweep, then measures the trained run's ERF there
 * (lib/experiments/erf_run.ts). Used in the `slak ablate` process and in its workers.
 *
 * @module
 */
import type { Execute } from "../lib/experiments/mod.ts";
import { measureRunErf } from "../lib/experiments/erf_run.ts";
import type { ErfSettings } from "../lib/experiments/erf_settings.ts";
import type { BackendName } from "../lib/ops/mod.ts";
import type { ResolvedTrainConfig } from "../lib/train/mod.ts";
import { trainTaskRun } from "../lib/train/seg_run.ts";
import { type CommonFlags, selectBackend } from "./_common.ts";

/** The training executor and the meta every run records (`device`: the selected backend). */
export async function trainExecutor(
  backendName: BackendName,
  flags: CommonFlags,
): Promise<{ execute: Execute; meta: Record<string, unknown> }> {
  const backend = await selectBackend(backendName, flags);
  const execute: Execute = (run, ctx) =>
    trainTaskRun(run.config as unknown as ResolvedTrainConfig, {
      outDir: ctx.outDir,
      resume: ctx.resume,
      meta: ctx.meta,
      onProgress: ctx.onProgress,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  return { execute, meta: { device: backend } };
}

/**
 * The executor of an ERF sweep: trains the run (a finished training returns at once, as a resume
 * of a done run), then measures its ERF with `settings` into the run folder.
 */
export async function erfExecutor(
  backendName: BackendName,
  flags: CommonFlags,
  settings: ErfSettings,
): Promise<{ execute: Execute; meta: Record<string, unknown> }> {
  const train = await trainExecutor(backendName, flags);
  const execute: Execute = async (run, ctx) => {
    await train.execute(run, ctx);
    if (ctx.signal?.aborted) return;
    await measureRunErf(run.config, ctx.outDir, settings);
  };
  return { execute, meta: train.meta };
}
