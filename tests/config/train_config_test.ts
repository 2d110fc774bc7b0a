import assert from "node:assert/strict";
import { parseSet } from "../../lib/config/layering.ts";
import { checkImageSize, minInputSide, resolveTrainConfig } from "../../lib/train/resolve.ts";
import { DataConfigSchema } from "../../lib/data/config.ts";
import { ConfigError } from "../../lib/util/errors.ts";

const base = () => ({
  model: { name: "slak_nano", overrides: { depths: [1, 1, 1, 1], dims: [8, 8, 8, 8] } },
  data: { kind: "pathfinder", size: 32, trainSize: 64, testSize: 16 },
  optimizer: { lr: 0.002, batchSize: 16 },
});

function configError(re: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `ConfigError, got ${e}`);
    assert.match(e.message, re);
    assert.equal(e.message.split("\n").length, 1, "one line");
    return true;
  };
}

Deno.test("resolveTrainConfig(): open paths create keys, strict paths merge", () => {
  const fm = resolveTrainConfig(base(), "f.yaml", [
    "data={kind: fashion_mnist, canvas: {size: 32}}",
    // optional without a default: absent after parsing, still settable under the open `data`
    "data.trainSize=100",
    "model.overrides.kernelSizes=[5,5,3,3]",
    "optimizer={lr: 0.001}",
  ]);
  assert.equal(fm.data.kind, "fashion_mnist");
  assert.equal(fm.data.kind === "fashion_mnist" && fm.data.trainSize, 100);
  assert.deepEqual(fm.modelConfig.kernelSizes, [5, 5, 3, 3]);
  assert.equal(fm.modelConfig.numClasses, 10);
  // the mapping for the strict `optimizer` section kept the file's batch size
  assert.deepEqual([fm.optimizer.lr, fm.optimizer.batchSize], [0.001, 16]);
  // parsed overrides (spec levels) and texts mix; a mapping replaces the open overrides map
  const p = resolveTrainConfig(base(), "f.yaml", [
    { path: ["model", "overrides"], value: { sparsity: 0 }, source: "level" },
    parseSet("run.seed=3"),
  ]);
  assert.deepEqual(p.model.overrides, { sparsity: 0 });
  assert.equal(p.run.seed, 3);
});

Deno.test("resolveTrainConfig(): one clear line naming the source for each kind of mistake", () => {
  const cases: [unknown[], RegExp][] = [
    [["optimizer.lrr=1"], /^--set "optimizer\.lrr=1": unknown field "optimizer\.lrr"; .*"lr"/],
    [
      ["model.overridez.k=1"],
      /unknown field "model\.overridez"; valid fields of "model": "name" or "overrides"/,
    ],
    [
      ["data.sise=3"],
      /^f\.yaml with --set: data: unknown field "sise"; valid fields: "kind", "size"/,
    ],
    [
      ["model.overrides.widht=1"],
      /^f\.yaml with --set: model "slak_nano" overrides: unknown field "widht"/,
    ],
    [
      ["model.overrides.numClasses=3"],
      /model\.overrides\.numClasses is 3 but data set "pathfinder" has 2/,
    ],
    [
      [{ path: ["optimizer", "lrr"], value: 1, source: "spec: axis k level 3" }],
      /^spec: axis k level 3: unknown field "optimizer\.lrr"/,
    ],
    [["data.size=48"], /^f\.yaml with --set: data\.size: must be 32, 64 or 128$/],
  ];
  for (const [sets, re] of cases) {
    assert.throws(
      () => resolveTrainConfig(base(), "f.yaml", sets as Parameters<typeof resolveTrainConfig>[2]),
      configError(re),
      String(sets[0]),
    );
  }
  // every issue of the file itself, in one line
  assert.throws(
    () =>
      resolveTrainConfig({ model: { name: "slak_nano" }, data: { kind: "mnist" }, x: 1 }, "g.yaml"),
    configError(
      /^g\.yaml: data\.kind: must be "pathfinder", .*; unknown field "x"; valid fields: "model", "data"/,
    ),
  );
});

Deno.test("images too small for the network are a ConfigError naming the data field", () => {
  assert.equal(minInputSide(), 32);
  const fm = { kind: "fashion_mnist", path: "/nonexistent/fm" };
  assert.throws(
    () => resolveTrainConfig({ ...base(), data: fm }, "f.yaml"),
    configError(
      /^f\.yaml: data\.canvas: null \(no canvas\) gives 28x28 fashion_mnist images, smaller than the 32x32 the model needs .*; allowed: data\.canvas\.size 32\.\.1024$/,
    ),
  );
  assert.throws(
    () => resolveTrainConfig(base(), "f.yaml", ["data={kind: fashion_mnist, canvas: {size: 31}}"]),
    configError(
      /^f\.yaml with --set: data\.canvas\.size: 31 gives 31x31 .*allowed: data\.canvas\.size 32\.\.1024$/,
    ),
  );
  const ok = resolveTrainConfig({ ...base(), data: { ...fm, canvas: { size: 32 } } }, "f.yaml");
  assert.equal(ok.modelConfig.inChannels, 1);
  const folder = (size: number) =>
    DataConfigSchema.parse({ kind: "imagefolder", path: "/x", size });
  assert.throws(
    () => checkImageSize(folder(16), "w"),
    configError(
      /^w: data\.size: 16 gives 16x16 imagefolder images, .*; allowed: data\.size 32\.\.1024$/,
    ),
  );
  checkImageSize(folder(32), "w");
  checkImageSize(DataConfigSchema.parse({ kind: "cifar", path: "/x" }), "w");
});

Deno.test("a run's config.json (resolved, with modelConfig) resolves to itself; a changed modelConfig is refused", () => {
  const first = resolveTrainConfig(
    {
      model: { name: "slak_nano", overrides: { depths: [1, 1, 1, 1], dims: [8, 16, 32, 64] } },
      data: { kind: "shapes", size: 32, trainSize: 64, testSize: 32 },
    },
    "inline",
  );
  const recorded = JSON.parse(JSON.stringify(first));
  assert.deepEqual(resolveTrainConfig(recorded, "config.json"), first);
  assert.equal(
    resolveTrainConfig(recorded, "config.json", ["optimizer.lr=0.01"]).optimizer.lr,
    0.01,
  );
  const changed = { ...recorded, modelConfig: { ...recorded.modelConfig, dims: [9, 16, 32, 64] } };
  assert.throws(
    () => resolveTrainConfig(changed, "config.json"),
    (e: unknown) => e instanceof ConfigError && /modelConfig .* in dims/.test(e.message),
  );
});
