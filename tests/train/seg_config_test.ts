/**
 * The segmentation parts of the training config: the task section (absent = classification, run
 * ids unchanged), task/data consistency, mmcv's poly schedule with warmup, the official layer-wise
 * lr decay groups, and the paper's ADE20K configs (resolve and build their model config, no
 * training; a missing ADE20K folder is a ConfigError).
 */
import assert from "node:assert/strict";
import { initBackend } from "../../lib/ops/mod.ts";
import { loadTrainConfig, resolveTrainConfig } from "../../lib/train/resolve.ts";
import { lrAt, polyLrAt } from "../../lib/train/schedule.ts";
import { layerDecayGroup, layerDecayScales } from "../../lib/train/seg_layer_decay.ts";
import { segModelConfigOf } from "../../lib/train/seg_config.ts";
import { trainTaskRun } from "../../lib/train/seg_run.ts";
import { outputChannels, segParamSpecs } from "../../lib/models/segmentation/param_specs.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { numel } from "../../lib/util/shape.ts";

const SEG_SMOKE = new URL("../../configs/train/seg_smoke.yaml", import.meta.url).pathname;
const ADE80 = new URL("../../configs/train/upernet_slak_tiny_ade20k_80k.yaml", import.meta.url)
  .pathname;
const ADE160 = new URL("../../configs/train/upernet_slak_tiny_ade20k_160k.yaml", import.meta.url)
  .pathname;
const CLS = { model: { name: "slak_nano" }, data: { kind: "pathfinder" } };

Deno.test("no task section: the resolved config has no task key (old run ids stay)", () => {
  const c = resolveTrainConfig(CLS, "inline");
  assert.equal("task" in c, false);
  assert.equal("poly" in c.schedule, false);
  assert.equal("layerDecay" in c.optimizer, false);
});

Deno.test("task and data must agree; layer decay and sparse backbones are checked", () => {
  assert.throws(
    () => resolveTrainConfig({ ...CLS, data: { kind: "seg_shapes" } }, "f.yaml"),
    (e) => e instanceof ConfigError && /task\.kind: segmentation/.test(e.message),
  );
  assert.throws(
    () => resolveTrainConfig({ ...CLS, task: { kind: "segmentation" } }, "f.yaml"),
    (e) => e instanceof ConfigError && /seg_shapes, ade20k/.test(e.message),
  );
  assert.throws(
    () =>
      resolveTrainConfig(
        { ...CLS, optimizer: { layerDecay: { rate: 0.9, numLayers: 6 } } },
        "f.yaml",
      ),
    (e) => e instanceof ConfigError && /layerDecay/.test(e.message),
  );
  assert.throws(
    () =>
      resolveTrainConfig(
        { ...CLS, data: { kind: "seg_shapes" }, task: { kind: "segmentation" } },
        "f.yaml",
      ),
    (e) => e instanceof ConfigError && /--init/.test(e.message), // slak_nano is 40 % sparse
  );
  const ok = resolveTrainConfig(
    { ...CLS, data: { kind: "seg_shapes" }, task: { kind: "segmentation" } },
    "f.yaml",
    ["model.overrides.sparsity=0"],
  );
  assert.equal(ok.modelConfig.numClasses, 4);
  assert.equal(ok.task?.kind, "segmentation");
});

Deno.test("poly schedule with linear warmup follows mmcv's formulas", () => {
  const s = {
    lr: 1e-4,
    minLr: 0,
    totalSteps: 160000,
    warmupSteps: 1500,
    poly: { power: 1, warmupRatio: 1e-6 },
  };
  // mmcv PolyLrUpdaterHook + linear warmup, written out independently
  const ref = (i: number) => {
    const regular = 1e-4 * (1 - i / 160000);
    if (i >= 1500) return regular;
    return regular * (1 - (1 - i / 1500) * (1 - 1e-6));
  };
  for (const i of [0, 1, 750, 1499, 1500, 80000, 159999]) {
    assert.ok(Math.abs(lrAt(i, s) - ref(i)) <= 1e-18 + 1e-12 * ref(i), `step ${i}`);
  }
  assert.ok(Math.abs(polyLrAt(0, s) - 1e-10) < 1e-16); // warmupRatio · lr
  assert.equal(polyLrAt(160000, s), 0);
  const p2 = { ...s, warmupSteps: 0, minLr: 1e-6, poly: { power: 2, warmupRatio: 0 } };
  assert.ok(Math.abs(lrAt(40000, p2) - ((1e-4 - 1e-6) * 0.75 ** 2 + 1e-6)) < 1e-15);
});

Deno.test("layer decay groups follow the official constructor's rules", () => {
  const st = { rate: 0.9, numLayers: 6, type: "stage_wise" as const };
  assert.equal(layerDecayGroup("backbone.downsample_layers.0.0.weight", st), 0);
  assert.equal(layerDecayGroup("backbone.downsample_layers.3.1.weight", st), 0);
  assert.equal(layerDecayGroup("backbone.stages.0.1.pwconv1.weight", st), 1);
  assert.equal(layerDecayGroup("backbone.stages.3.2.gamma", st), 4);
  assert.equal(layerDecayGroup("backbone.norm2.weight", st), 7);
  assert.equal(layerDecayGroup("decode_head.conv_seg.weight", st), 7);
  const lw = { ...st, type: "layer_wise" as const };
  assert.equal(layerDecayGroup("backbone.downsample_layers.1.1.weight", lw), 2);
  assert.equal(layerDecayGroup("backbone.downsample_layers.2.1.weight", lw), 3);
  assert.equal(layerDecayGroup("backbone.downsample_layers.3.1.weight", lw), 6);
  assert.equal(layerDecayGroup("backbone.stages.2.7.norm.weight", lw), 5);
  assert.equal(layerDecayGroup("backbone.stages.3.0.gamma", lw), 6);
  assert.equal(layerDecayGroup("auxiliary_head.conv_seg.bias", lw), 7);
  const sc = layerDecayScales(
    ["backbone.downsample_layers.0.0.weight", "backbone.stages.2.0.gamma", "decode_head.x"],
    st,
  );
  assert.ok(Math.abs(sc.get("backbone.downsample_layers.0.0.weight")! - 0.9 ** 7) < 1e-12);
  assert.ok(Math.abs(sc.get("backbone.stages.2.0.gamma")! - 0.9 ** 4) < 1e-12);
  assert.equal(sc.get("decode_head.x"), 1);
});

Deno.test("the paper's ADE20K configs resolve and build their model (no training)", async () => {
  for (
    const [file, lr, dropPath, sparsity] of [
      [ADE80, 2e-4, 0.1, 0],
      [ADE160, 1e-4, 0.4, 0.4],
    ] as const
  ) {
    const c = await loadTrainConfig(file, ["data.path=/data/ade", "run.init=/x/ckpt.pth"]);
    assert.equal(c.data.kind, "ade20k");
    assert.equal(c.optimizer.lr, lr);
    assert.equal(c.optimizer.batchSize * c.optimizer.accumSteps, 16);
    assert.equal(c.modelConfig.dropPath, dropPath);
    assert.equal(c.modelConfig.sparsity, sparsity);
    assert.deepEqual(c.modelConfig.kernelSizes, [51, 49, 47, 13]);
    const task = c.task?.kind === "segmentation" ? c.task : null;
    assert.ok(task);
    assert.equal(task.stepsPerEpoch * c.schedule.epochs, file === ADE80 ? 80000 : 160000);
    assert.equal(
      Math.round(c.schedule.warmupEpochs * task.stepsPerEpoch),
      file === ADE80 ? 800 : 1500,
    );
    assert.deepEqual(c.schedule.poly, { power: 1, warmupRatio: 1e-6 });
    const m = segModelConfigOf(c);
    assert.equal(m.numClasses, 150);
    assert.deepEqual(outputChannels(m), [124, 249, 499, 998]); // the official in_channels
    const specs = segParamSpecs(m);
    const dense = specs.filter((s) => !s.buffer).reduce((a, s) => a + numel(s.shape), 0);
    // the paper's 65M counts non-zero weights: the 2-D/4-D backbone weights are 40 % sparse
    const maskable = specs.filter((s) =>
      !s.buffer && s.shape.length >= 2 && s.name.startsWith("backbone.")
    )
      .reduce((a, s) => a + numel(s.shape), 0);
    const nonzero = dense - 0.4 * maskable;
    assert.ok(nonzero > 63e6 && nonzero < 67e6, `${nonzero} non-zero parameters (paper: 65M)`);
  }
  const c160 = await loadTrainConfig(ADE160, ["run.init=/x/ckpt.pth"]);
  assert.deepEqual(c160.optimizer.layerDecay, { rate: 0.9, numLayers: 6, type: "stage_wise" });
});

Deno.test("a missing ADE20K folder is a ConfigError before anything is written", async () => {
  await initBackend("cpu");
  const out = await Deno.makeTempDir();
  try {
    const c = await loadTrainConfig(ADE80, ["data.path=/nonexistent/ade20k"]);
    await assert.rejects(
      () => trainTaskRun(c, { outDir: `${out}/run` }),
      (e) => e instanceof ConfigError && /data\.path \/nonexistent\/ade20k/.test(e.message),
    );
    assert.equal([...Deno.readDirSync(out)].length, 0);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("the segmentation smoke config resolves", async () => {
  const c = await loadTrainConfig(SEG_SMOKE);
  assert.equal(c.task?.kind, "segmentation");
  assert.equal(c.data.kind, "seg_shapes");
});
