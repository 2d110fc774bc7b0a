// Every built-in ablation spec that rescales the paper's topology-update interval to a shorter run
// must follow scaledUpdateInterval (u' = max(10, round(u·T'/37440))): the paper's u = 2000, or the
// `u` axis label of the topology-update grid. Smoke scales are plumbing checks and exempt; runs on
// a data set of unknown size (ImageFolder: the paper scale) are skipped.
import assert from "node:assert/strict";
import { batchesPerEpoch } from "../../lib/data/loader.ts";
import { expandPlan, loadSpec } from "../../lib/experiments/mod.ts";
import { scaledUpdateInterval } from "../../lib/sparse/mod.ts";
import type { ResolvedTrainConfig } from "../../lib/train/resolve.ts";
import { trainResolver } from "../experiments/_helpers.ts";

const SPECS = new URL("../../configs/ablations/", import.meta.url).pathname;

/** T': optimizer steps of a run (as trainRun plans them), or null when the data size is unknown. */
function totalSteps(c: ResolvedTrainConfig): number | null {
  const n = (c.data as { trainSize?: unknown }).trainSize;
  if (typeof n !== "number") return null;
  const { batchSize, accumSteps } = c.optimizer;
  return Math.floor(batchesPerEpoch(n, batchSize, true) / accumSteps) * c.schedule.epochs;
}

Deno.test("built-in specs rescale the update interval by scaledUpdateInterval", async () => {
  const checked: string[] = [];
  for (const e of [...Deno.readDirSync(SPECS)].filter((f) => f.name.endsWith(".yaml"))) {
    const { spec } = await loadSpec(`${SPECS}${e.name}`);
    if (spec.kind === "count") continue;
    for (const scale of Object.keys(spec.scales)) {
      if (scale === "smoke") continue;
      const sc = spec.scales[scale as keyof typeof spec.scales]!;
      if (sc.required.length > 0) continue; // the paper scale: a data set of unknown size
      const plan = expandPlan(spec, scale, { seeds: 1, sets: [], resolve: trainResolver });
      for (const run of plan.runs) {
        const c = run.config as unknown as ResolvedTrainConfig;
        const every = c.sparsity.updateEvery;
        const steps = totalSteps(c);
        if (c.modelConfig.sparsity === 0 || every === null || steps === null) continue;
        const u = "u" in run.labels ? Number(run.labels.u) : 2000;
        assert.equal(
          every,
          scaledUpdateInterval(u, steps),
          `${spec.name} (${scale}) ${run.name}: sparsity.updateEvery ${every} for the paper's ` +
            `u = ${u} at T' = ${steps} steps; scaledUpdateInterval gives ` +
            scaledUpdateInterval(u, steps),
        );
        checked.push(`${spec.name}/${scale}/${run.name}`);
      }
    }
  }
  assert.ok(checked.some((n) => n.startsWith("topology-update/small/")), checked.join(" "));
  assert.ok(checked.length >= 20, `checked ${checked.length} runs`);
});
