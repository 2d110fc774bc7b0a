import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { lrAt, warmupSteps } from "../../lib/train/schedule.ts";
import { addEvalBatch, smoothTargets, softCrossEntropy } from "../../lib/train/loss.ts";
import { mixBatch, sampleBeta } from "../../lib/train/mix.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

Deno.test("lrAt() is numpy linspace warmup then per-step cosine to minLr", () => {
  const s = { lr: 4e-3, minLr: 1e-6, totalSteps: 100, warmupSteps: 5 };
  // linspace(0, 4e-3, 5) = 0, 1e-3, 2e-3, 3e-3, 4e-3
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(lrAt(i, s) - i * 1e-3) < 1e-15);
  assert.equal(lrAt(5, s), 4e-3); // cosine at j = 0
  const mid = 1e-6 + 0.5 * (4e-3 - 1e-6) * (1 + Math.cos(Math.PI * 45 / 95));
  assert.ok(Math.abs(lrAt(50, s) - mid) < 1e-15);
  assert.ok(
    Math.abs(lrAt(99, s) - (1e-6 + 0.5 * (4e-3 - 1e-6) * (1 + Math.cos(Math.PI * 94 / 95)))) <
      1e-15,
  );
  // monotone decrease after warmup
  for (let i = 6; i < 100; i++) assert.ok(lrAt(i, s) < lrAt(i - 1, s));
  assert.equal(lrAt(0, { ...s, warmupSteps: 0 }), 4e-3);
  assert.equal(warmupSteps(0.5, 24), 12);
});

Deno.test("smoothTargets() and softCrossEntropy() give timm's label-smoothing loss", () => {
  const labels = new Int32Array([2, 0]);
  const t = smoothTargets(labels, 4, 0.1);
  assert.deepEqual(Array.from(t).map((v) => +v.toFixed(6)), [
    0.025,
    0.025,
    0.925,
    0.025,
    0.925,
    0.025,
    0.025,
    0.025,
  ]);
  const logits = [[1, 2, 3, 0.5], [0.2, -1, 0, 4]];
  const loss = softCrossEntropy(tf.tensor2d(logits), tf.tensor2d(t, [2, 4])).dataSync()[0]!;
  // (1 - s)·NLL + s·mean(-log p) per row, averaged
  let want = 0;
  logits.forEach((row, i) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    const logp = row.map((v) => v - lse);
    const nll = -logp[labels[i]!]!;
    const smooth = -logp.reduce((a, v) => a + v, 0) / 4;
    want += (0.9 * nll + 0.1 * smooth) / 2;
  });
  assert.ok(Math.abs(loss - want) < 1e-5, `${loss} vs ${want}`);
});

Deno.test("addEvalBatch() counts loss, top-1 and top-5", () => {
  const k = 6;
  const logits = new Float32Array([
    ...[0, 1, 2, 3, 4, 5], // label 5: top-1
    ...[5, 4, 3, 2, 1, 0], // label 4: rank 4 -> top-5 only
    ...[5, 4, 3, 2, 1, 0], // label 5: rank 5 -> neither
  ]);
  const sums = { loss: 0, top1: 0, top5: 0, n: 0 };
  addEvalBatch(sums, logits, new Int32Array([5, 4, 5]), k);
  assert.equal(sums.top1, 1);
  assert.equal(sums.top5, 2);
  assert.equal(sums.n, 3);
  const lse = Math.log([0, 1, 2, 3, 4, 5].reduce((a, v) => a + Math.exp(v), 0));
  assert.ok(Math.abs(sums.loss - ((lse - 5) + (lse - 1) + (lse - 0))) < 1e-9);
});

Deno.test("mixBatch() mixes images and targets with the reversed batch", () => {
  const rng = Rng.stream(0, "mix");
  const x = new Float32Array([1, 1, 1, 1, 0, 0, 0, 0]); // 2 images 2x2x1
  const t = new Float32Array([1, 0, 0, 1]);
  const lam = mixBatch(x, t, { n: 2, h: 2, w: 2, c: 1, k: 2 }, {
    mixup: 0.8,
    cutmix: 0,
    switchProb: 0.5,
  }, rng);
  assert.ok(lam > 0 && lam < 1);
  assert.ok(Math.abs(x[0]! - lam) < 1e-6 && Math.abs(x[4]! - (1 - lam)) < 1e-6);
  assert.ok(Math.abs(t[0]! - lam) < 1e-6 && Math.abs(t[1]! - (1 - lam)) < 1e-6);
  // beta(a, a) has mean 1/2
  let s = 0;
  for (let i = 0; i < 2000; i++) s += sampleBeta(0.8, rng);
  assert.ok(Math.abs(s / 2000 - 0.5) < 0.03);
});
