import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import {
  canonicalJson,
  expandPlan,
  loadSpec,
  PAPER_KERNELS,
  parseSpec,
  scaleKernels,
  shardRuns,
} from "../../lib/experiments/mod.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { TINY, trainResolver } from "./_helpers.ts";

function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).reverse().map(([k, x]) => [k, reverseKeys(x)]),
    );
  }
  return v;
}

Deno.test("expandPlan() is deterministic and ids do not depend on key order", async () => {
  const raw = parseYaml(await Deno.readTextFile(TINY));
  const a = expandPlan(parseSpec(raw, "a"), "smoke", { resolve: trainResolver });
  const b = expandPlan(parseSpec(structuredClone(raw), "b"), "smoke", { resolve: trainResolver });
  const c = expandPlan(parseSpec(reverseKeys(raw), "c"), "smoke", { resolve: trainResolver });
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.deepEqual(a.runs.map((r) => r.id), c.runs.map((r) => r.id));
  assert.equal(a.runs.length, 6);
  assert.equal(new Set(a.runs.map((r) => r.id)).size, 6);
  for (const r of a.runs) assert.match(r.id, /^[0-9a-f]{12}$/);
  // Seeds outermost: every kernel at seed 0 first.
  assert.deepEqual(a.runs.map((r) => r.name), [
    "3/s0",
    "5/s0",
    "7/s0",
    "3/s1",
    "5/s1",
    "7/s1",
  ]);
  assert.deepEqual(a.runs.map((r) => (r.config.run as { seed: number }).seed), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(
    (a.runs[2]!.config.modelConfig as { kernelSizes: number[] }).kernelSizes,
    [7, 7, 3, 3],
  );
});

Deno.test("expandPlan() ids change with the config and the seed, and --set changes the spec hash", async () => {
  const { spec } = await loadSpec(TINY);
  const a = expandPlan(spec, "smoke", { resolve: trainResolver });
  const b = expandPlan(spec, "smoke", { resolve: trainResolver, sets: ["optimizer.lr=0.001"] });
  const c = expandPlan(spec, "smoke", { resolve: trainResolver, seeds: 3 });
  assert.notEqual(a.specHash, b.specHash);
  assert.notEqual(a.specHash, c.specHash);
  assert.equal(a.runs.filter((r) => b.runs.some((x) => x.id === r.id)).length, 0);
  // More seeds keep the ids of the old seeds.
  assert.equal(c.runs.length, 9);
  for (const r of a.runs) assert.ok(c.runs.some((x) => x.id === r.id));
});

Deno.test("expandPlan() zips axes, honours `only` and per-scale level patches", () => {
  const spec = parseSpec({
    name: "z",
    title: "z",
    axes: [
      {
        name: "w",
        levels: [{ label: 1, set: { "model.overrides.widthFactor": 1 } }, {
          label: 2,
          set: { "model.overrides.widthFactor": 2 },
        }],
      },
      {
        name: "s",
        levels: [{ label: 0, set: { "model.overrides.sparsity": 0 } }, {
          label: 0.5,
          set: { "model.overrides.sparsity": 0.5 },
        }],
      },
      { name: "k", levels: [{ label: "a" }, { label: "b" }, { label: "c" }] },
    ],
    zip: [["w", "s"]],
    scales: {
      smoke: {
        base: { model: { name: "slak_nano" }, data: { kind: "pathfinder", size: 32 } },
        only: { k: ["a", "c"] },
        levels: { k: { a: { "optimizer.lr": 0.001 }, c: { "optimizer.lr": 0.003 } } },
      },
    },
  }, "inline");
  const p = expandPlan(spec, "smoke", { resolve: trainResolver });
  assert.deepEqual(p.runs.map((r) => r.name), ["1/0/a/s0", "1/0/c/s0", "2/0.5/a/s0", "2/0.5/c/s0"]);
  const m = p.runs[2]!.config.modelConfig as { widthFactor: number; sparsity: number };
  assert.deepEqual([m.widthFactor, m.sparsity], [2, 0.5]);
  assert.equal((p.runs[1]!.config.optimizer as { lr: number }).lr, 0.003);
  // Sharding: round robin, every run in exactly one shard.
  const all = [1, 2, 3].flatMap((i) => shardRuns(p, i, 3).map((r) => r.id));
  assert.deepEqual([...all].sort(), p.runs.map((r) => r.id).sort());
  assert.deepEqual(shardRuns(p, 2, 3).map((r) => r.index), [1]);
});

Deno.test("expandPlan() rejects bad specs with one clear line", async () => {
  const { spec } = await loadSpec("kernel-scaling");
  assert.throws(() => expandPlan(spec, "huge", { resolve: trainResolver }), /valid scales/);
  assert.throws(
    () => expandPlan(spec, "paper", { resolve: trainResolver }),
    (e) => e instanceof ConfigError && /needs --set data\.path=/.test(e.message),
  );
  const typo = parseSpec({
    name: "t",
    title: "t",
    axes: [{ name: "k", levels: [{ label: 1, set: { "optimizer.lrr": 1 } }] }],
    scales: { smoke: { base: { model: { name: "slak_nano" }, data: { kind: "pathfinder" } } } },
  }, "inline");
  assert.throws(() => expandPlan(typo, "smoke", { resolve: trainResolver }), /lrr/);
  const twins = parseSpec({
    name: "t",
    title: "t",
    axes: [{ name: "k", levels: [{ label: 1 }, { label: 2 }] }],
    scales: { smoke: { base: { model: { name: "slak_nano" }, data: { kind: "pathfinder" } } } },
  }, "inline");
  assert.throws(() => expandPlan(twins, "smoke", { resolve: trainResolver }), /identical configs/);
  assert.throws(
    () => parseSpec({ name: "t", title: "t", zip: [["a", "b"]], scales: {} }, "f.yaml"),
    /f\.yaml: zip\.0: unknown axis "a"/,
  );
  await assert.rejects(loadSpec("nope"), /valid ablations: .*"kernel-scaling"/);
});

Deno.test("built-in specs expand at smoke and small; kernel sizes keep the paper's ratio", async () => {
  for (
    const name of [
      "kernel-scaling",
      "short-edge",
      "width-sparsity",
      "topology-update",
      "sparse-init",
      "growth",
      "erf",
    ]
  ) {
    const { spec } = await loadSpec(name);
    for (const scale of ["smoke", "small"]) {
      const p = expandPlan(spec, scale, { resolve: trainResolver });
      assert.ok(p.runs.length > 0, `${name} ${scale}`);
      if (scale === "small") assert.ok(p.seeds.length >= 3, `${name} small has >= 3 seeds`);
    }
  }
  const { spec } = await loadSpec("kernel-scaling");
  for (const [scale, size] of [["smoke", 32], ["small", 64]] as const) {
    const p = expandPlan(spec, scale, { resolve: trainResolver });
    for (const r of p.runs) {
      const m = r.config.modelConfig as { kernelSizes: number[] };
      assert.deepEqual(m.kernelSizes, scaleKernels(PAPER_KERNELS[r.labels.kernel!]!, size), r.name);
    }
  }
  const small = expandPlan(spec, "small", { resolve: trainResolver });
  assert.deepEqual(
    new Set(small.runs.map((r) => (r.config.data as { kind: string }).kind)),
    new Set(["pathfinder", "fashion_mnist"]),
  );
});

Deno.test("parseOnly() and selectRuns() pick runs by label and reject unknown axes and levels", async () => {
  const { parseOnly, selectRuns } = await import("../../lib/experiments/mod.ts");
  const { spec } = await loadSpec("growth");
  const plan = expandPlan(spec, "small", { resolve: trainResolver });
  const only = parseOnly(plan, ["dataset=fmnist"]);
  const runs = selectRuns(plan.runs, only);
  assert.ok(runs.length > 0 && runs.length < plan.runs.length);
  assert.ok(runs.every((r) => r.labels.dataset === "fmnist"));
  const seed0 = selectRuns(plan.runs, parseOnly(plan, ["dataset=fmnist", "seed=0"]));
  assert.ok(seed0.length > 0 && seed0.every((r) => r.seed === 0 && r.labels.dataset === "fmnist"));
  assert.throws(() => parseOnly(plan, ["colour=red"]), /axes of this plan/);
  assert.throws(() => parseOnly(plan, ["dataset=imagenette"]), /has no level "imagenette"/);
});
