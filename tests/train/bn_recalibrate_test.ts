import assert from "node:assert/strict";
import { forward } from "../../lib/models/forward.ts";
import { buildModel, disposeModel, type Model } from "../../lib/models/model.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { bnLayers, recalibrateBn, withRecalibratedBn } from "../../lib/train/bn_recalibrate.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { type TrainBatch, Trainer } from "../../lib/train/trainer.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

/** A tiny SLaK with BatchNorm in its large-kernel branches (32 px, 2 classes). */
function tinyConfig(overrides: Record<string, unknown> = {}) {
  return resolveTrainConfig({
    model: {
      name: "slak_nano",
      overrides: {
        depths: [1, 1, 1, 1],
        dims: [8, 16, 32, 64],
        kernelSizes: [7, 5, 3, 3],
        smallKernel: 3,
        sparsity: 0,
        dropPath: 0,
        ...overrides,
      },
    },
    data: { kind: "pathfinder", size: 32, trainSize: 16, testSize: 16 },
    optimizer: { lr: 0.01, weightDecay: 0, batchSize: 16 },
    regularization: { labelSmoothing: 0 },
  }, "test");
}

/** `n` seeded random images with fixed labels of 2 classes. */
function randomBatch(seed: number, n = 16): TrainBatch {
  const rng = new Rng(Rng.stream(seed, "fixture").state());
  const h = 32, w = 32, c = 1;
  const x = new Float32Array(n * h * w * c);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal() + (seed % 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = (i * 7) % 3 === 0 ? 1 : 0;
  return { x, y, n, h, w, c };
}

function logitsOf(model: Model, b: TrainBatch, training: boolean): Float32Array {
  return tf.tidy(() =>
    forward(model, tf.tensor4d(b.x, [b.n, b.h, b.w, b.c]), { training }).dataSync() as Float32Array
  );
}

function accuracy(logits: Float32Array, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    const pred = logits[2 * i + 1]! > logits[2 * i]! ? 1 : 0;
    if (pred === y[i]) ok++;
  }
  return ok / y.length;
}

function buffersOf(model: Model): Map<string, Float32Array> {
  return new Map([...model.buffers].map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(b[i]!)));
  }
  return m;
}

Deno.test("BN recalibration repairs deliberately stale statistics of a trained model", async () => {
  const config = tinyConfig();
  const trainer = await Trainer.create(config, { totalSteps: 30 });
  try {
    const model = trainer.model;
    assert.ok(bnLayers(model).length >= 4, "the model has BatchNorm layers");
    const stale = buffersOf(model); // the untrained model's statistics: the extreme of lag
    const b = randomBatch(7);
    for (let s = 0; s < 30; s++) await trainer.step(b, 0.01);
    const trainMode = logitsOf(model, b, true); // batch statistics of the current weights
    const live = buffersOf(model);
    for (const [n, v] of model.buffers) v.assign(tf.tensor(stale.get(n)!, v.shape));
    const staleLogits = logitsOf(model, b, false);
    await recalibrateBn([model], [b]);
    const recal = logitsOf(model, b, false);
    // one batch: the recalibrated statistics are that batch's (unbiased variance, count 256·16),
    // so eval mode reproduces the training-mode output; stale statistics do not
    assert.ok(
      maxRelDiff(recal, trainMode) < 2e-2,
      `recal vs train ${maxRelDiff(recal, trainMode)}`,
    );
    assert.ok(
      maxRelDiff(staleLogits, trainMode) > 0.1,
      `stale ${maxRelDiff(staleLogits, trainMode)}`,
    );
    const accTrain = accuracy(trainMode, b.y);
    const accStale = accuracy(staleLogits, b.y);
    const accRecal = accuracy(recal, b.y);
    assert.ok(accTrain >= 0.9, `the model learned the batch: ${accTrain}`);
    assert.equal(accRecal, accTrain);
    assert.ok(accStale < accRecal, `stale ${accStale} < recalibrated ${accRecal}`);
    assert.ok(live.size > 0);
  } finally {
    trainer.dispose();
  }
});

Deno.test("BN recalibration gives the plain average of the batch statistics", async () => {
  const model = buildModel(tinyConfig().modelConfig, { seed: 3 });
  try {
    const [b1, b2] = [randomBatch(1), randomBatch(2)];
    const layers = bnLayers(model);
    const statsAfter = async (batches: TrainBatch[]) => {
      await recalibrateBn([model], batches);
      return layers.map((l) => [l.mean.dataSync(), l.variance.dataSync()] as const);
    };
    const s1 = await statsAfter([b1]);
    const s2 = await statsAfter([b2]);
    const s12 = await statsAfter([b1, b2]);
    const sRepeat = await statsAfter([b1, b1, b1]);
    let worst = 0;
    let spread = 0;
    layers.forEach((_, i) => {
      for (const k of [0, 1] as const) {
        const a = s1[i]![k], c = s2[i]![k], both = s12[i]![k], rep = sRepeat[i]![k];
        for (let j = 0; j < a.length; j++) {
          const avg = (a[j]! + c[j]!) / 2;
          worst = Math.max(worst, Math.abs(both[j]! - avg) / Math.max(1e-6, Math.abs(avg)));
          worst = Math.max(worst, Math.abs(rep[j]! - a[j]!) / Math.max(1e-6, Math.abs(a[j]!)));
          spread = Math.max(spread, Math.abs(a[j]! - c[j]!) / Math.max(1e-6, Math.abs(avg)));
        }
      }
    });
    assert.ok(spread > 0.05, `the two batches differ (${spread})`);
    assert.ok(worst < 1e-5, `plain average within float32 rounding: ${worst}`);
    // and the statistics are those of the current weights, independent of the old buffers
    for (const l of layers) l.mean.assign(tf.fill(l.mean.shape, 5));
    const again = await statsAfter([b1]);
    layers.forEach((_, i) => assert.deepEqual(again[i]![0], s1[i]![0]));
  } finally {
    disposeModel(model);
  }
});

Deno.test("withRecalibratedBn restores every buffer bit-exactly and a LayerNorm model is untouched", async () => {
  const model = buildModel(tinyConfig().modelConfig, { seed: 5 });
  const noBn = buildModel(tinyConfig({ bn: false }).modelConfig, { seed: 5 });
  try {
    const b = randomBatch(4);
    // live statistics that differ from any recalibration: a few training forwards
    for (let i = 0; i < 3; i++) logitsOf(model, randomBatch(10 + i), true);
    const before = buffersOf(model);
    const evalBefore = logitsOf(model, b, false);
    const inside = await withRecalibratedBn(
      [model, noBn],
      [b, randomBatch(9)],
      () => Promise.resolve(buffersOf(model)),
    );
    const mean = [...before.keys()].find((n) => n.endsWith(".running_mean"))!;
    assert.ok(maxRelDiff(inside.get(mean)!, before.get(mean)!) > 1e-2, "fn saw other statistics");
    const after = buffersOf(model);
    for (const [n, v] of before) assert.deepEqual(after.get(n), v, n);
    assert.deepEqual(logitsOf(model, b, false), evalBefore);
    assert.equal(bnLayers(noBn).length, 0);
    assert.equal(await recalibrateBn([noBn], [b]), 0);
  } finally {
    disposeModel(model);
    disposeModel(noBn);
  }
});
