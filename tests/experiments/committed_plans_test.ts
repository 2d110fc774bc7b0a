// The sweep folders committed under experiments/ name their runs by plan hashes: expanding the
// same spec, scale, seeds and --set values today must give the same run ids and spec hash, or
// those folders would no longer be recognised (and their runs would be redone).
import assert from "node:assert/strict";
import { expandPlan, loadSpec, resolveCountConfig } from "../../lib/experiments/mod.ts";
import { ROOT, trainResolver } from "./_helpers.ts";

interface SavedPlan {
  spec: string;
  kind: string;
  scale: string;
  specHash: string;
  seeds: number[];
  sets: string[];
  runs: { id: string; name: string }[];
}

function committedPlans(): string[] {
  const out: string[] = [];
  for (const spec of Deno.readDirSync(`${ROOT}experiments`)) {
    if (!spec.isDirectory) continue;
    for (const scale of Deno.readDirSync(`${ROOT}experiments/${spec.name}`)) {
      const file = `${ROOT}experiments/${spec.name}/${scale.name}/plan.json`;
      try {
        if (Deno.statSync(file).isFile) out.push(file);
      } catch { /* not a sweep folder */ }
    }
  }
  return out.sort();
}

Deno.test("committed sweep folders keep their run ids and spec hashes", async () => {
  const files = committedPlans();
  assert.ok(files.length >= 6, `found ${files.length} committed plans`);
  for (const file of files) {
    const saved = JSON.parse(await Deno.readTextFile(file)) as SavedPlan;
    const { spec } = await loadSpec(saved.spec);
    const plan = expandPlan(spec, saved.scale, {
      seeds: saved.seeds.length,
      sets: saved.sets,
      resolve: saved.kind === "count" ? resolveCountConfig : trainResolver,
    });
    assert.deepEqual(plan.seeds, saved.seeds, file);
    assert.deepEqual(
      plan.runs.map((r) => [r.id, r.name]),
      saved.runs.map((r) => [r.id, r.name]),
      file,
    );
    assert.equal(plan.specHash, saved.specHash, file);
  }
});
