import assert from "node:assert/strict";
import { openDataset } from "../../lib/data/open_dataset.ts";
import { forward } from "../../lib/models/forward.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { STATE_VERSION, type TrainState } from "../../lib/train/checkpoint.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { RunFolder } from "../../lib/train/run_folder.ts";
import { lossDiverged, type TrainBatch, Trainer } from "../../lib/train/trainer.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

/** A tiny SLaK (dense or 40 % sparse) for 32 px, 2 classes. */
function tinyConfig(sparsity: number, extra: Record<string, unknown> = {}) {
  return resolveTrainConfig({
    model: {
      name: "slak_nano",
      overrides: {
        depths: [1, 1, 1, 1],
        dims: [8, 16, 32, 64],
        kernelSizes: [7, 5, 3, 3],
        smallKernel: 3,
        sparsity,
        dropPath: 0,
      },
    },
    data: { kind: "pathfinder", size: 32, trainSize: 16, testSize: 16 },
    optimizer: { lr: 0.01, weightDecay: 0, batchSize: 16 },
    sparsity: { init: "erk", updateEvery: 10, pruneRate: 0.3 },
    regularization: { labelSmoothing: 0 },
    ...extra,
  }, "test");
}

/** 16 fixed random images with fixed labels of 2 classes: learnable only by memorising. */
function fixedBatch(): TrainBatch {
  const rng = new Rng(Rng.stream(7, "fixture").state());
  const n = 16, h = 32, w = 32, c = 1;
  const x = new Float32Array(n * h * w * c);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = (i * 7) % 3 === 0 ? 1 : 0;
  return { x, y, n, h, w, c };
}

async function top1(trainer: Trainer, b: TrainBatch): Promise<number> {
  const logits = tf.tidy(() =>
    forward(trainer.model, tf.tensor4d(b.x, [b.n, b.h, b.w, b.c]), { training: false })
  );
  const pred = await tf.argMax(logits, 1).data();
  logits.dispose();
  let ok = 0;
  for (let i = 0; i < b.n; i++) if (pred[i] === b.y[i]) ok++;
  return ok / b.n;
}

for (const sparsity of [0, 0.4]) {
  Deno.test(`Trainer overfits 16 fixed images (sparsity ${sparsity})`, async () => {
    const config = tinyConfig(sparsity);
    const trainer = await Trainer.create(config, { totalSteps: 30 });
    try {
      const b = fixedBatch();
      const before = await top1(trainer, b);
      const losses: number[] = [];
      for (let s = 0; s < 30; s++) losses.push((await trainer.step(b, 0.01)).loss);
      const after = await top1(trainer, b);
      assert.ok(losses.at(-1)! < losses[0]! / 2, `loss ${losses[0]} -> ${losses.at(-1)}`);
      assert.ok(after > before && after >= 0.9, `top-1 ${before} -> ${after}`);
      if (sparsity > 0) assert.ok(Math.abs(trainer.density() - 0.6) < 0.01, `${trainer.density()}`);
    } finally {
      trainer.dispose();
    }
  });
}

Deno.test("Trainer.state() restored into a new trainer continues identically", async () => {
  const config = tinyConfig(0.4, { regularization: { labelSmoothing: 0.1, emaDecay: 0.9 } });
  const b = fixedBatch();
  const a = await Trainer.create(config, { totalSteps: 12 });
  const other = await Trainer.create({ ...config, run: { seed: 99 } }, { totalSteps: 12 });
  try {
    for (let s = 0; s < 9; s++) await a.step(b, 0.005);
    other.restore(await a.state());
    assert.equal(other.stepCount, 9);
    // step 10 is a topology update (updateEvery 10): masks, weights, moments and EMA must agree
    const ra = await a.step(b, 0.005);
    const rb = await other.step(b, 0.005);
    assert.ok(ra.topology !== null && rb.topology !== null);
    assert.equal(rb.loss, ra.loss);
    const sa = await a.state();
    const sb = await other.state();
    assert.deepEqual(sb.masks, sa.masks);
    for (const g of ["param", "buffer", "adam_m", "adam_v", "ema"] as const) {
      assert.ok(sa.tensors[g].size > 0, g);
      for (const [n, t] of sa.tensors[g]) {
        assert.deepEqual(sb.tensors[g].get(n)!.data, t.data, `${g} ${n}`);
      }
    }
  } finally {
    a.dispose();
    other.dispose();
  }
});

Deno.test("Trainer finds non-finite moments and stops on a diverging loss", async () => {
  const config = tinyConfig(0);
  const b = fixedBatch();
  const t = await Trainer.create(config, { totalSteps: 5 });
  try {
    await t.step(b, 1e-3);
    assert.equal(await t.firstNonFiniteState(), null);
    const [name, v] = [...t.adam.v][3]!;
    const saved = tf.clone(v);
    v.assign(tf.fill(v.shape, Infinity));
    assert.equal(await t.firstNonFiniteState(), `${name} (AdamW second moment)`);
    v.assign(saved);
    saved.dispose();
    // a huge learning rate: the step that follows the blow-up is refused, nothing is applied
    await assert.rejects(async () => {
      for (let s = 0; s < 5; s++) await t.step(b, 1e4);
    }, (e: Error) => e.name === "NonFiniteError" && /at step \d+/.test(e.message));
    assert.ok(lossDiverged(Number.NaN, 2) && lossDiverged(1e3, 10) && !lossDiverged(2.5, 10));
  } finally {
    t.dispose();
  }
});

Deno.test("RunFolder.checkpoint() refuses a non-finite state and writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-ckpt-" });
  const config = tinyConfig(0, { regularization: { labelSmoothing: 0, emaDecay: 0.9 } });
  const t = await Trainer.create(config, { totalSteps: 2 });
  const opened = await RunFolder.open(config, { outDir: dir });
  assert.ok("folder" in opened);
  const folder = opened.folder;
  try {
    await t.step(fixedBatch(), 1e-3);
    const st: TrainState = {
      version: STATE_VERSION,
      ...t.scalars(),
      completedEpochs: 0,
      loader: { epoch: 0, cursor: 0, rngState: [1, 2, 3, 4] },
      epochLossSum: 0,
      epochSteps: 1,
      bestTop1: null,
      metricsBytes: 0,
      trainMs: 0,
      dataMs: 0,
      images: 16,
      wallMs: 0,
      lastEval: null,
    };
    await folder.checkpoint(t, st, false);
    const written = Deno.readFileSync(`${dir}/checkpoints/state.safetensors`);
    // one EMA running variance becomes Inf: the next checkpoint is refused, the last one kept
    const [name, v] = [...t.ema!].find(([n]) => n.endsWith("running_var"))!;
    v.assign(tf.fill(v.shape, Infinity));
    await t.step(fixedBatch(), 1e-3);
    await assert.rejects(
      () => folder.checkpoint(t, st, true),
      (e: Error) =>
        e.name === "NonFiniteError" && e.message.includes(`${name} (EMA copy)`) &&
        /last good checkpoint \(step 1\) is kept/.test(e.message),
    );
    assert.deepEqual(Deno.readFileSync(`${dir}/checkpoints/state.safetensors`), written);
    await assert.rejects(Deno.stat(`${dir}/checkpoints/best.safetensors`));
  } finally {
    folder.close();
    t.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("densityReport() gives per-stage and per-group densities that add up to the overall one", async () => {
  for (const init of ["snip", "erk"] as const) {
    const config = tinyConfig(0.4, { sparsity: { init, updateEvery: 10, pruneRate: 0.3 } });
    const ds = await openDataset(config.data);
    const t = await Trainer.create(config, { totalSteps: 2, dataset: ds });
    try {
      const r = t.densityReport();
      assert.ok(Math.abs(r.overall - t.density()) < 1e-12, `${init}: ${r.overall}`);
      // the stages' densities, weighted by their maskable sizes, give the overall density
      const sizes = [0, 0, 0, 0, 0];
      const maskable = new Set(t.sparse!.maskable);
      for (const s of t.model.specs) {
        if (maskable.has(s.name)) sizes[s.stage]! += t.model.params.get(s.name)!.size;
      }
      const total = sizes.reduce((a, b) => a + b, 0);
      const mean = r.stages.reduce((a, d, i) => a + d * sizes[i]!, 0) / total;
      assert.ok(Math.abs(mean - r.overall) < 1e-9, `${init}: ${mean} vs ${r.overall}`);
      for (const g of Object.values(r.groups)) {
        for (const d of g) assert.ok(d === null || (d >= 0 && d <= 1));
      }
      assert.ok(r.groups.largeKernel.every((d) => d !== null), "every stage has large kernels");
      assert.ok(r.stages.some((d) => d < 0.99), `${init}: some stage is sparse`);
    } finally {
      t.dispose();
    }
  }
  const dense = await Trainer.create(tinyConfig(0), { totalSteps: 2 });
  try {
    const r = dense.densityReport();
    assert.equal(r.overall, 1);
    assert.deepEqual(r.stages, [1, 1, 1, 1, 1]);
  } finally {
    dense.dispose();
  }
});
