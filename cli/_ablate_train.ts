/**
 * The executor of a training sweep's runs: selects the backend (reported on stderr unless quiet)
 * and trains each run into its folder. Used in the `slak ablate` process and in its workers.
 *
 * @module
 */
import type { Execute } from "../lib/experiments/mod.ts";
import type { BackendName } from "../lib/ops/mod.ts";
import { type ResolvedTrainConfig, trainRun } from "../lib/train/mod.ts";
import { type CommonFlags, selectBackend } from "./_common.ts";

/** The training executor and the meta every run records (`device`: the selected backend). */
export async function trainExecutor(
  backendName: BackendName,
  flags: CommonFlags,
): Promise<{ execute: Execute; meta: Record<string, unknown> }> {
  const backend = await selectBackend(backendName, flags);
  const execute: Execute = (run, ctx) =>
    trainRun(run.config as unknown as ResolvedTrainConfig, {
      outDir: ctx.outDir,
      resume: ctx.resume,
      meta: ctx.meta,
      onProgress: ctx.onProgress,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  return { execute, meta: { device: backend } };
}
