import assert from "node:assert/strict";
import { builtinSpecNames, expandPlan, loadSpec } from "../../../lib/experiments/mod.ts";
import { trainResolver } from "../../experiments/_helpers.ts";
import { tempDir, writeImageFolderFixture } from "../_fixtures.ts";

Deno.test("every ablation's paper scale on ImageNet trains with the paper's transform", async () => {
  const dir = await tempDir();
  let checked = 0;
  try {
    await writeImageFolderFixture(dir);
    checked = await checkAll(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(checked >= 6, `only ${checked} paper runs checked`);
});

async function checkAll(dir: string): Promise<number> {
  let checked = 0;
  for (const name of builtinSpecNames()) {
    const { spec } = await loadSpec(name);
    if (spec.kind !== "train" || !("paper" in spec.scales)) continue;
    const plan = expandPlan(spec, "paper", {
      resolve: trainResolver,
      sets: [`data.path=${dir}`],
    });
    for (const run of plan.runs) {
      const data = run.config.data as { kind: string; trainTransform?: { kind: string } };
      if (data.kind !== "imagefolder") continue;
      assert.equal(data.trainTransform?.kind, "paper", `${name} ${run.name}`);
      checked++;
    }
  }
  return checked;
}
