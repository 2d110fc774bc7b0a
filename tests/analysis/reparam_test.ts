// Re-parameterisation: merged logits equal the unmerged model's for every lkMode and form
// (relative error < 1e-5, non-trivial BN statistics), merged files round-trip, and weights that
// do not fit fail with a clear error.
import assert from "node:assert/strict";
import {
  disposeMergedModel,
  disposeModel,
  exportMergedStateDict,
  forward,
  forwardMerged,
  loadMergedModel,
  mergedFormOf,
  mergedParamSpecs,
  readWeightsFile,
  reparameterize,
  resolveModelConfig,
  writeMergedWeightsFile,
} from "../../lib/models/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { ConfigError, DataError } from "../../lib/util/errors.ts";
import { nonTrivialModel, relError, tinyConfig } from "./_helpers.ts";

await initBackend("cpu");

const CASES = [
  { name: "decomposed", sets: [], forms: ["two-kernels", "one-kernel"] as const },
  { name: "decomposed, no BN", sets: ["bn=false"], forms: ["two-kernels", "one-kernel"] as const },
  { name: "dense + small", sets: ["lkMode=dense"], forms: ["one-kernel"] as const },
  {
    name: "dense, no small",
    sets: ["lkMode=dense", "smallKernel=null"],
    forms: ["one-kernel"] as const,
  },
];

for (const c of CASES) {
  Deno.test(`reparameterize() keeps the logits: ${c.name}`, async () => {
    const m = nonTrivialModel(tinyConfig(c.sets));
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, "float32", 3) as tf.Tensor4D;
    const ref = await forward(m, x, { training: false }).data();
    for (const form of c.forms) {
      const merged = await reparameterize(m, form);
      for (const sparse of ["off", "on"] as const) {
        const y = await forwardMerged(merged, x, { sparse }).data();
        const err = relError(y, ref);
        assert.ok(err < 1e-5, `${form} sparse=${sparse}: relative error ${err}`);
      }
      disposeMergedModel(merged);
    }
    disposeModel(m);
    x.dispose();
  });
}

Deno.test("reparameterize() keeps ConvNeXt's logits (one-kernel = its own dwconv)", async () => {
  const config = resolveModelConfig("convnext_nano", {
    sets: ["depths=[1,1,1,1]", "dims=[8,16,24,32]"],
  });
  const m = nonTrivialModel(config);
  const x = tf.randomNormal([1, 32, 32, 3], 0, 1, "float32", 4) as tf.Tensor4D;
  const ref = await forward(m, x, { training: false }).data();
  const merged = await reparameterize(m, "one-kernel");
  assert.ok(relError(await forwardMerged(merged, x).data(), ref) < 1e-5);
  assert.ok(relError(await forwardMerged(merged, x, { sparse: "on" }).data(), ref) < 1e-5);
  disposeMergedModel(merged);
  disposeModel(m);
});

Deno.test("two-kernels folds the N×N branch into the central rows of the M×N kernel", async () => {
  const m = nonTrivialModel(tinyConfig());
  const merged = await reparameterize(m, "two-kernels");
  const names = [...merged.params.keys()].filter((k) => k.startsWith("stages.0.0.large_kernel"));
  assert.deepEqual(names.sort(), [
    "stages.0.0.large_kernel.bias_reparam",
    "stages.0.0.large_kernel.tall_reparam.weight",
    "stages.0.0.large_kernel.wide_reparam.weight",
  ]);
  assert.deepEqual(merged.params.get("stages.0.0.large_kernel.tall_reparam.weight")!.shape, [
    13,
    3,
    10,
    1,
  ]);
  disposeMergedModel(merged);
  disposeModel(m);
});

Deno.test("merged weights files round-trip with config and form in the metadata", async () => {
  const config = tinyConfig();
  const m = nonTrivialModel(config);
  const merged = await reparameterize(m, "two-kernels");
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  await writeMergedWeightsFile(path, merged);
  const file = await readWeightsFile(path);
  assert.deepEqual(file.config, config);
  assert.equal(mergedFormOf(file, path), "two-kernels");
  const loaded = loadMergedModel(config, "two-kernels", file.state, path);
  const x = tf.randomNormal([1, 64, 64, 3], 0, 1, "float32", 5) as tf.Tensor4D;
  assert.ok(
    relError(await forwardMerged(loaded, x).data(), await forwardMerged(merged, x).data()) < 1e-6,
  );
  // a merged file for another form or config does not fit, with the key named
  assert.throws(
    () => loadMergedModel(config, "one-kernel", file.state, path),
    (e: unknown) =>
      e instanceof DataError && /lkb_reparam/.test(e.message) && e.message.includes(path),
  );
  const state = await exportMergedStateDict(merged);
  const key = "stages.1.0.large_kernel.wide_reparam.weight";
  state.set(key, { dtype: "float32", shape: [20, 1, 3, 9], data: new Float32Array(540) });
  assert.throws(
    () => loadMergedModel(config, "two-kernels", state, "x.safetensors"),
    (e: unknown) =>
      e instanceof DataError && e.message.includes(key) && /expected \[20,1,3,11\]/.test(e.message),
  );
  await Deno.remove(path);
  disposeMergedModel(loaded);
  disposeMergedModel(merged);
  disposeModel(m);
});

Deno.test("mergedParamSpecs() rejects two-kernels for dense large kernels", () => {
  assert.throws(() => mergedParamSpecs(tinyConfig(["lkMode=dense"]), "two-kernels"), ConfigError);
  assert.throws(
    () => mergedParamSpecs(resolveModelConfig("convnext_nano"), "two-kernels"),
    ConfigError,
  );
});
