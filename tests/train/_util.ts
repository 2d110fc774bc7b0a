/** Shared helpers of the training tests. */
import { readSafetensors } from "../../lib/io/safetensors.ts";
import type { HostTensor } from "../../lib/io/host_tensor.ts";

/** The smoke config shrunk further so a test run takes a few seconds. */
export const SMOKE = new URL("../../configs/train/smoke.yaml", import.meta.url).pathname;

/** `--set` overrides for a tiny, fast run. */
export const TINY_SETS = [
  "data.trainSize=128",
  "data.testSize=32",
  "optimizer.batchSize=16",
  "schedule.epochs=2",
  "sparsity.updateEvery=3",
  "run.checkpointEverySteps=2",
];

/** Tensors of a safetensors file. */
export function tensorsOf(path: string): Map<string, HostTensor> {
  return readSafetensors(Deno.readFileSync(path), path).tensors;
}

/** result.json without the timing fields (which legitimately differ between runs). */
export function deterministicResult(path: string): Record<string, unknown> {
  const r = JSON.parse(Deno.readTextFileSync(path));
  delete r.imgPerSec;
  delete r.dataShare;
  delete r.wallSeconds;
  return r;
}

/** metrics.jsonl records without timing fields. */
export function deterministicMetrics(path: string): Record<string, unknown>[] {
  return Deno.readTextFileSync(path).trim().split("\n").map((l) => {
    const r = JSON.parse(l);
    delete r.imgPerSec;
    delete r.dataShare;
    return r;
  });
}
