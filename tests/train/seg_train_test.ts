/**
 * End-to-end segmentation training: the smoke config learns (mIoU well above the all-background
 * predictor's on the same test canvases), writes the run folder (metrics.jsonl evaluations, best
 * by mIoU, mmseg-named weights), and a run interrupted after its first epoch resumes to exactly
 * the result of an uninterrupted one.
 */
import assert from "node:assert/strict";
import { initBackend } from "../../lib/ops/mod.ts";
import { SegEvaluator } from "../../lib/data/segmentation/metrics.ts";
import type { SegDataConfig } from "../../lib/data/config_types.ts";
import { loadTrainConfig } from "../../lib/train/resolve.ts";
import { openSegDataset } from "../../lib/train/seg_data.ts";
import { trainTaskRun } from "../../lib/train/seg_run.ts";
import { segModelConfigOf } from "../../lib/train/seg_config.ts";
import { loadSegCheckpoint, segEvaluate } from "../../lib/train/seg_eval.ts";
import { disposeSegModel } from "../../lib/models/segmentation/seg_model.ts";
import type { SegEpochRecord, SegTrainResult } from "../../lib/train/seg_types.ts";
import { TrainInterrupted } from "../../lib/train/run_types.ts";
import { deterministicMetrics, deterministicResult, tensorsOf } from "./_util.ts";

const SEG_SMOKE = new URL("../../configs/train/seg_smoke.yaml", import.meta.url).pathname;

/** mIoU of predicting background (class 0) everywhere on the test split. */
async function allBackgroundMiou(data: SegDataConfig): Promise<number> {
  const ds = await openSegDataset(data);
  const ev = new SegEvaluator(ds.numClasses, ds.ignoreIndex);
  for (let i = 0; i < ds.size("test"); i++) {
    const { label } = ds.testInput("test", i);
    ev.add(new Uint8Array(label.data.length), label.data);
  }
  return ev.metrics().mIoU;
}

Deno.test({
  name: "the segmentation smoke config learns: mIoU well above all-background",
  sanitizeResources: false,
  fn: async () => {
    await initBackend("cpu");
    const out = await Deno.makeTempDir();
    try {
      const config = await loadTrainConfig(SEG_SMOKE);
      const r = await trainTaskRun(config, { outDir: out }) as SegTrainResult;
      const trivial = await allBackgroundMiou(config.data as SegDataConfig);
      assert.equal(r.task, "segmentation");
      assert.ok(trivial > 0.3 && trivial < 0.5, `all-background mIoU ${trivial}`);
      assert.ok(r.miou > trivial + 0.2, `mIoU ${r.miou} vs all-background ${trivial}`);
      const recs = Deno.readTextFileSync(`${out}/metrics.jsonl`).trim().split("\n")
        .map((l) => JSON.parse(l) as SegEpochRecord).filter((l) => l.type === "seg_epoch");
      assert.equal(recs.length, config.schedule.epochs);
      assert.equal(recs.at(-1)!.miou, r.miou);
      assert.deepEqual(Object.keys(recs[0]!.iou), ["background", "shape"]);
      const best = Math.max(...recs.map((x) => x.miou));
      assert.equal(r.bestMiou, best);
      assert.equal(recs.filter((x) => x.best).at(-1)!.miou, best);
      const w = tensorsOf(`${out}/checkpoints/best.safetensors`);
      assert.ok(w.has("decode_head.conv_seg.weight") && w.has("backbone.norm0.weight"));
      const result = JSON.parse(Deno.readTextFileSync(`${out}/result.json`));
      assert.equal(result.miou, r.miou);
      // the last checkpoint evaluates to the run's final mIoU (sliding window = whole image here)
      const ds = await openSegDataset(config.data as SegDataConfig);
      const model = await loadSegCheckpoint(
        `${out}/checkpoints/last.safetensors`,
        segModelConfigOf(config),
      );
      try {
        const slide = await segEvaluate(model, ds, { slidingWindow: true });
        const whole = await segEvaluate(model, ds, { slidingWindow: false });
        assert.ok(Math.abs(slide.mIoU - r.miou) < 1e-6, `${slide.mIoU} vs ${r.miou}`);
        assert.ok(Math.abs(whole.mIoU - r.miou) < 1e-6);
        assert.equal(slide.images, config.data.kind === "seg_shapes" ? config.data.testSize : -1);
      } finally {
        disposeSegModel(model);
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test({
  name: "an interrupted segmentation run resumes to the uninterrupted result",
  sanitizeResources: false,
  fn: async () => {
    await initBackend("cpu");
    const sets = [
      "data.trainSize=16",
      "data.testSize=4",
      "task.stepsPerEpoch=3",
      "schedule.epochs=2",
    ];
    const config = await loadTrainConfig(SEG_SMOKE, sets);
    const a = await Deno.makeTempDir();
    const b = await Deno.makeTempDir();
    try {
      await trainTaskRun(config, { outDir: a });
      const ctrl = new AbortController();
      await assert.rejects(
        () =>
          trainTaskRun(config, {
            outDir: b,
            signal: ctrl.signal,
            onProgress: (e) => {
              if (e.type === "checkpoint" && e.reason === "epoch") ctrl.abort();
            },
          }),
        TrainInterrupted,
      );
      assert.equal(deterministicMetrics(`${b}/metrics.jsonl`).length, 1);
      await trainTaskRun(config, { outDir: b, resume: true });
      assert.deepEqual(
        deterministicResult(`${b}/result.json`),
        deterministicResult(`${a}/result.json`),
      );
      assert.deepEqual(
        deterministicMetrics(`${b}/metrics.jsonl`),
        deterministicMetrics(`${a}/metrics.jsonl`),
      );
    } finally {
      await Deno.remove(a, { recursive: true });
      await Deno.remove(b, { recursive: true });
    }
  },
});
