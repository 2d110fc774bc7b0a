import assert from "node:assert/strict";
import { readConfigFile } from "../../lib/config/layering.ts";
import { Loader } from "../../lib/data/loader.ts";
import { openDataset } from "../../lib/data/open_dataset.ts";
import { readSafetensors } from "../../lib/io/safetensors.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { DEFAULT_EVAL_CONFIG, evalConfigOf } from "../../lib/train/config.ts";
import { evaluate } from "../../lib/train/evaluate.ts";
import { evaluateDuringTraining } from "../../lib/train/mid_eval.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { runFiles, trainRun } from "../../lib/train/run.ts";
import { Trainer } from "../../lib/train/trainer.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { SMOKE, TINY_SETS } from "./_util.ts";

await initBackend("cpu");

function tinyConfig(bn: boolean, extra: Record<string, unknown> = {}) {
  return resolveTrainConfig({
    model: {
      name: "slak_nano",
      overrides: {
        depths: [1, 1, 1, 1],
        dims: [8, 16, 32, 64],
        kernelSizes: [7, 5, 3, 3],
        smallKernel: 3,
        sparsity: 0,
        bn,
      },
    },
    data: { kind: "pathfinder", size: 32, trainSize: 64, testSize: 32, seed: 0 },
    optimizer: { lr: 0.02, weightDecay: 0, batchSize: 16 },
    regularization: { labelSmoothing: 0, emaDecay: 0.5 },
    ...extra,
  }, "test");
}

function hostAll(m: ReadonlyMap<string, tf.Variable>): Map<string, Float32Array> {
  return new Map([...m].map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

Deno.test("evaluateDuringTraining: recalibrated figures choose best, every tensor unchanged", async () => {
  for (const bn of [true, false]) {
    const config = tinyConfig(bn);
    const ds = await openDataset(config.data);
    const trainer = await Trainer.create(config, { totalSteps: 4 });
    try {
      const loader = new Loader(ds, { split: "train", batchSize: 16, seed: 0 });
      for (let s = 0; s < 4; s++) await trainer.step(await loader.next(), 0.02);
      loader.close();
      const buffers = hostAll(trainer.model.buffers);
      const ema = hostAll(trainer.ema!);
      const opts = { batchSize: 32, limit: 0, trainBatchSize: 16, seed: 0 };
      const ev = await evaluateDuringTraining(trainer.model, trainer.emaModel, ds, {
        ...opts,
        eval: DEFAULT_EVAL_CONFIG,
      });
      // the figure of record is the official eval-mode one
      assert.deepEqual(ev.model, await evaluate(trainer.model, ds, { batchSize: 32, limit: 0 }));
      if (bn) {
        assert.ok(ev.recalibrated !== null && ev.emaRecalibrated !== null);
        assert.equal(ev.bestBy, "recalibrated.top1");
        assert.equal(ev.bestTop1, ev.recalibrated.top1);
        assert.notEqual(ev.recalibrated.loss, ev.model.loss, "recalibration changed the output");
      } else {
        assert.equal(ev.recalibrated, null, "no BatchNorm: nothing to recalibrate");
        assert.equal(ev.bestBy, "top1");
        assert.equal(ev.bestTop1, ev.model.top1);
      }
      assert.deepEqual(hostAll(trainer.model.buffers), buffers, "live BN buffers restored");
      assert.deepEqual(hostAll(trainer.ema!), ema, "EMA copy restored");
      const off = await evaluateDuringTraining(trainer.model, trainer.emaModel, ds, {
        ...opts,
        eval: { bnRecalibration: false },
      });
      assert.equal(off.recalibrated, null);
      assert.equal(off.bestBy, "top1");
      assert.deepEqual(off.model, ev.model);
    } finally {
      trainer.dispose();
    }
  }
});

Deno.test("the eval section: optional (run ids kept), settable with --set, checked", () => {
  const plain = tinyConfig(true);
  assert.ok(!("eval" in plain), "absent unless written: resolved configs of old runs unchanged");
  assert.deepEqual(evalConfigOf(plain), { bnRecalibration: { batches: 16 } });
  const off = tinyConfig(true);
  const set = resolveTrainConfig(
    { model: off.model, data: off.data },
    "test",
    ["eval.bnRecalibration=false"],
  );
  assert.deepEqual(set.eval, { bnRecalibration: false });
  const n = resolveTrainConfig({ model: off.model, data: off.data }, "test", [
    "eval.bnRecalibration.batches=4",
  ]);
  assert.deepEqual(evalConfigOf(n), { bnRecalibration: { batches: 4 } });
  assert.deepEqual(
    resolveTrainConfig({ model: off.model, data: off.data, eval: {} }, "test").eval,
    DEFAULT_EVAL_CONFIG,
  );
  for (const bad of [{ bnRecalibration: { batches: 0 } }, { bnRecalibration: true }, { x: 1 }]) {
    assert.throws(
      () => resolveTrainConfig({ model: off.model, data: off.data, eval: bad }, "cfg.yaml"),
      (e: unknown) => e instanceof ConfigError && /cfg\.yaml: eval/.test(e.message),
      JSON.stringify(bad),
    );
  }
});

Deno.test("trainRun: best by the recalibrated top-1, training identical with recalibration off", async () => {
  const outs: string[] = [];
  try {
    const run = async (sets: string[]) => {
      const out = await Deno.makeTempDir({ prefix: "slak-mideval-" });
      outs.push(out);
      // 8 classes of shapes at a learning rate high enough that the running statistics lag:
      // the eval-mode top-1 reads chance (1/8) at every epoch while the loss falls
      const config = resolveTrainConfig(await readConfigFile(SMOKE), SMOKE, [
        ...TINY_SETS,
        "data={kind: shapes, size: 32, trainSize: 256, testSize: 64, seed: 0}",
        "schedule.epochs=4",
        "optimizer.lr=0.1",
        "schedule.minLr=0.01",
        ...sets,
      ]);
      const result = await trainRun(config, { outDir: out });
      const files = runFiles(out);
      const recs = Deno.readTextFileSync(files.metrics).trim().split("\n").map((l) => JSON.parse(l))
        .filter((r) => r.type === "epoch");
      const bestEpoch = Number(
        readSafetensors(Deno.readFileSync(files.best), files.best).metadata["slak.epoch"],
      );
      const last = readSafetensors(Deno.readFileSync(files.last), files.last).tensors;
      return { result, recs, bestEpoch, last };
    };
    const on = await run([]);
    assert.equal(on.recs.length, 4);
    for (const r of on.recs) {
      assert.equal(r.bestBy, "recalibrated.top1");
      assert.equal(typeof r.recalibrated.top1, "number");
      assert.equal(typeof r.emaRecalibrated.top1, "number");
    }
    const recal = on.recs.map((r) => r.recalibrated.top1 as number);
    const official = on.recs.map((r) => r.top1 as number);
    const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs)) + 1;
    // the fixture is one where the two measures disagree on the best epoch
    assert.notEqual(argmax(official), argmax(recal), `${official} vs ${recal}`);
    assert.ok(on.recs.at(-1).loss < on.recs[0].loss, "the loss falls");
    assert.equal(on.bestEpoch, argmax(recal), `best of ${recal}`);
    assert.equal(on.result.recalibrated!.top1, recal.at(-1));
    assert.equal(on.result.top1, on.recs.at(-1).top1, "result top1: the official figure");

    const off = await run(["eval.bnRecalibration=false"]);
    for (const r of off.recs) {
      assert.equal(r.bestBy, "top1");
      assert.equal(r.recalibrated, null);
    }
    assert.equal(off.result.recalibrated, null);
    // recalibration restores the live statistics: training and its figures are bit-identical
    assert.deepEqual(
      off.recs.map((r) => [r.loss, r.top1, r.evalLoss]),
      on.recs.map((r) => [
        r.loss,
        r.top1,
        r.evalLoss,
      ]),
    );
    assert.equal(off.last.size, on.last.size);
    for (const [name, t] of on.last) {
      assert.deepEqual(off.last.get(name)!.data, t.data, name);
    }
  } finally {
    for (const o of outs) await Deno.remove(o, { recursive: true }).catch(() => {});
  }
});
