import assert from "node:assert/strict";
import { ConfigError } from "../../lib/util/errors.ts";
import { DataConfigSchema, resolveDataConfig } from "../../lib/data/mod.ts";

Deno.test("DataConfigSchema fills dataset-appropriate defaults", () => {
  const pf = DataConfigSchema.parse({ kind: "pathfinder" });
  assert.deepEqual(pf, {
    kind: "pathfinder",
    size: 32,
    difficulty: "easy",
    trainSize: 20000,
    testSize: 2000,
    seed: 0,
    cacheDir: null,
    augment: { crop: null, flip: false },
  });
  const cifar = DataConfigSchema.parse({ kind: "cifar", path: "/x" });
  assert.equal(cifar.kind, "cifar");
  if (cifar.kind === "cifar") {
    assert.equal(cifar.variant, 10);
    assert.deepEqual(cifar.augment, { crop: { pad: 4 }, flip: true });
  }
  const fm = DataConfigSchema.parse({ kind: "fashion_mnist", canvas: {} });
  if (fm.kind !== "fashion_mnist") throw new Error("kind");
  assert.equal(fm.path, "/usr/share/datasets/fashion-mnist");
  assert.deepEqual(fm.canvas, { size: 64, distractors: 4, distractorSize: 8 });
  const partial = DataConfigSchema.parse({
    kind: "imagefolder",
    path: "/x",
    augment: { flip: false },
  });
  assert.deepEqual(partial.kind === "imagefolder" ? partial.augment : null, {
    crop: null,
    flip: false,
  });
});

Deno.test("resolveDataConfig() picks normalization per data set and variant", () => {
  const c10 = resolveDataConfig({ kind: "cifar", path: "/x" });
  const c100 = resolveDataConfig({ kind: "cifar", path: "/x", variant: 100 });
  assert.equal(c10.normalize.mean.length, 3);
  assert.notDeepEqual(c10.normalize, c100.normalize);
  assert.deepEqual(resolveDataConfig({ kind: "pathfinder" }).normalize, {
    mean: [0.5],
    std: [0.5],
  });
  const own = resolveDataConfig({ kind: "fashion_mnist", normalize: { mean: [0.1], std: [0.2] } });
  assert.deepEqual(own.normalize, { mean: [0.1], std: [0.2] });
});

Deno.test("resolveDataConfig() rejects unknown keys, kinds and values with the field's path", () => {
  assert.throws(() => resolveDataConfig({ kind: "pathfinder", sise: 32 }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /^data: .*sise/);
    return true;
  });
  assert.throws(() => resolveDataConfig({ kind: "mnist" }), /ConfigError: data\.kind: /);
  assert.throws(
    () => resolveDataConfig({ kind: "pathfinder", size: 48 }),
    /ConfigError: data\.size: /,
  );
  assert.throws(() => resolveDataConfig({ kind: "cifar" }), /ConfigError: data\.path: /);
  assert.throws(
    () => resolveDataConfig({ kind: "cifar", path: "/x", augment: { crop: { pad: -1 } } }),
    /ConfigError: data\.augment\.crop\.pad: /,
  );
  assert.throws(
    () => resolveDataConfig({ kind: "cifar", path: "/x", normalize: { mean: [0.5], std: [0.5] } }),
    /data\.normalize: mean and std need 3 value\(s\) each for kind "cifar", got 1 and 1/,
  );
});
