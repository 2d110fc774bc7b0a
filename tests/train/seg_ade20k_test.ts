/**
 * Segmentation training and evaluation on an ADE20K-layout fixture folder: the mmseg pipelines
 * (scaled down), reduce-zero-label, sliding-window evaluation, and the run's last checkpoint
 * evaluated again by `segEvaluate` to the run's own figures.
 */
import assert from "node:assert/strict";
import type { SegDataConfig } from "../../lib/data/config_types.ts";
import { disposeSegModel } from "../../lib/models/segmentation/seg_model.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { loadTrainConfig } from "../../lib/train/resolve.ts";
import { segModelConfigOf } from "../../lib/train/seg_config.ts";
import { openSegDataset } from "../../lib/train/seg_data.ts";
import { loadSegCheckpoint, segEvaluate } from "../../lib/train/seg_eval.ts";
import { trainTaskRun } from "../../lib/train/seg_run.ts";
import type { SegTrainResult } from "../../lib/train/seg_types.ts";
import { withTempDir, writeAdeTree } from "../data/segmentation/_helpers.ts";
import { runCli } from "../cli/_run.ts";

const SEG_SMOKE = new URL("../../configs/train/seg_smoke.yaml", import.meta.url).pathname;

Deno.test({
  name: "train and evaluate on an ADE20K-layout folder (scaled pipelines, sliding windows)",
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (dir) => {
      await initBackend("cpu");
      await writeAdeTree(`${dir}/ade`, 4, 3);
      // scale 1/16: img_scale (128, 32), crop 32, stride 21 → the 6×4 images become 48×32
      const config = await loadTrainConfig(SEG_SMOKE, [
        `data={kind: ade20k, path: "${dir}/ade", scale: 0.0625, numClasses: 4}`,
        "task.stepsPerEpoch=2",
        "schedule.epochs=1",
        "optimizer.batchSize=2",
      ]);
      const r = await trainTaskRun(config, { outDir: `${dir}/run` }) as SegTrainResult;
      assert.equal(r.steps, 2);
      assert.deepEqual(Object.keys(r.iou), ["class0", "class1", "class2", "class3"]);
      // labels 1..3 → classes 0..2 (0 ignored): class 3 is never labelled, so its IoU is null
      // (never predicted either) or 0 (predicted somewhere)
      assert.ok(r.iou.class3 === null || r.iou.class3 === 0, `${r.iou.class3}`);
      assert.ok(r.miou >= 0 && r.miou <= 1 && r.aAcc >= 0 && r.aAcc <= 1);
      const ds = await openSegDataset(config.data as SegDataConfig);
      assert.deepEqual([ds.cropSize, ds.stride], [[32, 32], [21, 21]]);
      const model = await loadSegCheckpoint(
        `${dir}/run/checkpoints/last.safetensors`,
        segModelConfigOf(config),
      );
      try {
        const ev = await segEvaluate(model, ds, { slidingWindow: true });
        assert.equal(ev.images, 3);
        assert.ok(Math.abs(ev.mIoU - r.miou) < 1e-9 && Math.abs(ev.aAcc - r.aAcc) < 1e-9);
      } finally {
        disposeSegModel(model);
      }
      // the same through `slak eval`, which takes the run's config.json for the heads
      const data = `{kind: ade20k, path: "${dir}/ade", scale: 0.0625, numClasses: 4}`;
      const weights = `${dir}/run/checkpoints/last.safetensors`;
      const cli = await runCli([
        "eval",
        "--weights",
        weights,
        "--data",
        data,
        "--train-config",
        `${dir}/run/config.json`,
        "--backend",
        "cpu",
        "--json",
        "--quiet",
      ]);
      assert.equal(cli.code, 0, cli.stderr);
      const got = JSON.parse(cli.stdout);
      assert.equal(got.images, 3);
      assert.ok(Math.abs(got.mIoU - r.miou) < 1e-9, `${got.mIoU} vs ${r.miou}`);
      const missing = await runCli(["eval", "--weights", weights, "--data", data, "--quiet"]);
      assert.equal(missing.code, 64, missing.stderr);
      assert.match(missing.stderr, /--train-config/);
    }),
});
