// The built-in specs: every one that compares results states its claims, the claims select
// planned rows, and the 128 px scale of kernel-scaling separates the kernel levels in every stage
// that can hold them.
import assert from "node:assert/strict";
import {
  buildRows,
  buildTables,
  builtinSpecNames,
  expandPlan,
  inputSizeOf,
  judgeClaims,
  loadSpec,
  PAPER_KERNELS,
  type Plan,
  resolveCountConfig,
  type RunRecord,
  savePlan,
  saveTables,
  scaleKernels,
  writeTables,
} from "../../lib/experiments/mod.ts";
import { tableJson } from "../../cli/table.ts";
import { trainResolver } from "./_helpers.ts";

// erf.yaml belongs to the ERF ablation (area ratios, not an accuracy comparison).
const WITHOUT_CLAIMS = new Set(["erf"]);

function notRun(plan: Plan): RunRecord[] {
  return plan.runs.map((r) => ({
    id: r.id,
    name: r.name,
    labels: r.labels,
    seed: r.seed,
    status: "not run",
    result: null,
    error: null,
  }));
}

Deno.test("every built-in spec states claims, each planned at a CPU scale", async () => {
  for (const name of builtinSpecNames()) {
    const { spec } = await loadSpec(name);
    if (WITHOUT_CLAIMS.has(name)) continue;
    assert.ok(spec.claims.length > 0, `${name} has claims`);
    const resolve = spec.kind === "count" ? resolveCountConfig : trainResolver;
    const planned = new Set<string>();
    // The paper scale needs ImageNet on disk; its rows are the same levels.
    for (const scale of Object.keys(spec.scales).filter((s) => s !== "paper")) {
      const plan = expandPlan(spec, scale, { resolve });
      const records = notRun(plan);
      for (const c of judgeClaims(spec, plan, records, buildRows(spec, plan, records))) {
        if (c.note !== "rows not planned at this scale") planned.add(c.id);
        // Without finished runs a training claim has no pairs, hence no verdict.
        if (!c.exact) assert.equal(c.verdict, "inconclusive", `${name}: ${c.id} without runs`);
      }
    }
    assert.deepEqual([...planned].sort(), spec.claims.map((c) => c.id).sort(), name);
  }
});

Deno.test("kernel-efficiency's counting claims are exact and reproduced from the counts", async () => {
  const { spec } = await loadSpec("kernel-efficiency");
  const plan = expandPlan(spec, "small", { resolve: resolveCountConfig });
  const records = notRun(plan);
  const claims = judgeClaims(spec, plan, records, buildRows(spec, plan, records));
  assert.deepEqual(claims.map((c) => [c.id, c.exact, c.verdict]), [
    ["dec151-fewer-macs-than-full51", true, "reproduced"],
    ["dec151-fewer-params-than-full51", true, "reproduced"],
  ]);
  // shared/spec/slak.md §3.3: 7.64 vs 9.93 GMACs, 38.47 vs 45.49 M params.
  assert.ok(Math.abs(claims[0]!.mean! - (7.64 - 9.93)) < 0.01, `Δ GMACs ${claims[0]!.mean}`);
  assert.ok(Math.abs(claims[1]!.mean! - (38.47 - 45.49)) < 0.01, `Δ M params ${claims[1]!.mean}`);
});

Deno.test("kernel-scaling medium (128 px): scaled kernels that differ wherever the map allows", async () => {
  const { spec } = await loadSpec("kernel-scaling");
  const plan = expandPlan(spec, "medium", { resolve: trainResolver });
  assert.ok(plan.seeds.length >= 5);
  const byLabel = new Map<string, number[]>();
  for (const r of plan.runs) {
    const k = (r.config.modelConfig as { kernelSizes: number[] }).kernelSizes;
    assert.deepEqual(k, scaleKernels(PAPER_KERNELS[r.labels.kernel!]!, 128), r.name);
    byLabel.set(r.labels.kernel!, k);
  }
  const maps = [32, 16, 8, 4];
  for (let s = 0; s < 4; s++) {
    const ks = [...byLabel.values()].map((k) => k[s]!);
    // Levels below the cap are all distinct; only levels at the cap may coincide.
    const uncapped = ks.filter((k) => k !== 2 * maps[s]! - 1);
    assert.equal(new Set(uncapped).size, uncapped.length, `stage ${s + 1}: ${ks}`);
    // Stages 1-2 have room for four different kernels at 128 px (64 px gave only 3-4 distinct).
    if (s < 2) assert.equal(new Set(ks).size, 4, `stage ${s + 1}: ${ks}`);
    const large = ["31", "51", "61"].map((l) => byLabel.get(l)![s]!);
    assert.ok(byLabel.get("7")![s]! < Math.min(...large), `stage ${s + 1}: 7 below every large`);
  }
  for (const r of plan.runs) assert.deepEqual(inputSizeOf(r.config), [128, 128], r.name);
  assert.deepEqual(
    new Set(plan.runs.map((r) => (r.config.data as { kind: string }).kind)),
    new Set(["pathfinder", "fashion_mnist"]),
  );
});

Deno.test("buildTables() + saveTables() write claims.csv and the JSON output carries the claims", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-claims-" });
  try {
    const { spec } = await loadSpec("short-edge");
    const plan = expandPlan(spec, "small", { resolve: trainResolver });
    await savePlan(dir, plan, false);
    // Fake finished runs: N = 5 beats N = 3 by 1 pp on every seed, N = 7 by a noisy 0 ± 2.
    for (const r of plan.runs) {
      const noise = [2, -2, 1][r.seed]!;
      const top1 = 60 + r.seed + (r.labels.short === "5" ? 1 : 0) +
        (r.labels.short === "7" ? noise : 0);
      await Deno.mkdir(`${dir}/runs/${r.id}`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/runs/${r.id}/result.json`,
        JSON.stringify({ top1: top1 / 100 }),
      );
    }
    const t = buildTables(dir);
    await saveTables(dir, t);
    const verdicts = Object.fromEntries(
      t.claims.map((c) => [`${c.id}/${c.where.dataset}`, c.verdict]),
    );
    assert.deepEqual(verdicts, {
      "n5-above-n3/pathfinder": "reproduced",
      "n5-above-n3/fmnist": "reproduced",
      "n5-above-n7/pathfinder": "inconclusive",
      "n5-above-n7/fmnist": "inconclusive",
    });
    const csv = await Deno.readTextFile(`${dir}/claims.csv`);
    assert.equal(csv.trim().split("\n").length, 5);
    assert.ok(t.files.includes(`${dir}/claims.csv`));
    const md = await Deno.readTextFile(`${dir}/table.md`);
    assert.match(md, /Verdicts: 2 reproduced, 0 contradicted, 2 inconclusive\./);
    const json = tableJson(t);
    assert.equal(json.claims.length, 4);
    // A plan.json saved before specs had claims: `slak table` takes the built-in spec's claims.
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/plan.json`));
    delete saved.definition.claims;
    await Deno.writeTextFile(`${dir}/plan.json`, JSON.stringify(saved));
    assert.equal(buildTables(dir).claims.length, 0, "nothing to judge without claims");
    const old = await writeTables(dir);
    assert.deepEqual(old.claims.map((c) => c.verdict), t.claims.map((c) => c.verdict));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
