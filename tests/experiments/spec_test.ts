import assert from "node:assert/strict";
import { expandPlan, parseSpec } from "../../lib/experiments/mod.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { trainResolver } from "./_helpers.ts";

const BASE = {
  model: { name: "slak_nano", overrides: { depths: [1, 1, 1, 1], dims: [8, 8, 8, 8] } },
  data: { kind: "pathfinder", size: 32, trainSize: 32, testSize: 16 },
};

function spec(levels: unknown[], base: unknown = BASE) {
  return parseSpec({
    name: "t",
    title: "t",
    axes: [{ name: "k", levels }],
    scales: { smoke: { base } },
  }, "t.yaml");
}

Deno.test("parseSpec() reports every issue in one line, unknown fields with the valid ones", () => {
  assert.throws(
    () =>
      parseSpec({
        name: "Bad Name",
        title: "t",
        zip: [["a", "b"]],
        scales: { smoke: { base: {}, seed: 2 } },
      }, "f.yaml"),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message.split("\n").length, 1);
      assert.match(e.message, /^f\.yaml: name: spec names are lower-kebab-case; /);
      assert.match(e.message, /scales\.smoke: unknown field "seed"; valid fields: "note", "seeds"/);
      assert.match(e.message, /zip\.0: unknown axis "a"; .*zip\.0: unknown axis "b"/);
      return true;
    },
  );
});

Deno.test("level overrides are strict outside the open paths and name their level", () => {
  // open paths: new model fields and data fields absent from the base
  const open = spec([
    { label: 1, set: { "model.overrides.kernelSizes": [5, 5, 3, 3], "data.cacheDir": null } },
    { label: 2, set: { data: { kind: "fashion_mnist", canvas: { size: 32 }, trainSize: 8 } } },
  ]);
  const p = expandPlan(open, "smoke", { resolve: trainResolver });
  const m = p.runs[0]!.config.modelConfig as { kernelSizes: number[] };
  assert.deepEqual(m.kernelSizes, [5, 5, 3, 3]);
  assert.deepEqual(p.runs[1]!.config.data, {
    kind: "fashion_mnist",
    path: "/usr/share/datasets/fashion-mnist",
    trainSize: 8,
    seed: 0,
    canvas: { size: 32, distractors: 4, distractorSize: 8 },
    augment: { crop: null, flip: false },
  });
  // strict: an unknown section field is caught at layering time, naming the level
  const typo = spec([{ label: 1, set: { "schedule.epoch": 2 } }]);
  assert.throws(
    () => expandPlan(typo, "smoke", { resolve: trainResolver }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^t: axis k level 1: unknown field "schedule\.epoch"; valid fields of "schedule": "epochs"/
        .test(e.message),
  );
  // a level whose images are too small for the model fails at plan time
  const small = spec([{ label: 1, set: { data: { kind: "fashion_mnist" } } }]);
  assert.throws(
    () => expandPlan(small, "smoke", { resolve: trainResolver }),
    /^ConfigError: t \(smoke\) run 1\/s0: data\.canvas: /,
  );
});
