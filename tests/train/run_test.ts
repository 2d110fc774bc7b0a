import assert from "node:assert/strict";
import { initBackend } from "../../lib/ops/mod.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { readConfigFile } from "../../lib/config/layering.ts";
import { runFiles, trainRun } from "../../lib/train/run.ts";
import { STATE_KEY } from "../../lib/train/checkpoint.ts";
import { readSafetensors } from "../../lib/io/safetensors.ts";
import { readWeightsFile } from "../../lib/models/weights_file.ts";
import { SMOKE, TINY_SETS } from "./_util.ts";

await initBackend("cpu");

Deno.test("trainRun() keeps masks exact and pruned weights zero after every step", async () => {
  const out = await Deno.makeTempDir({ prefix: "slak-train-" });
  try {
    const config = resolveTrainConfig(await readConfigFile(SMOKE), SMOKE, [
      ...TINY_SETS,
      "run.checkpointEverySteps=1",
      "sparsity.updateEvery=2",
    ]);
    const files = runFiles(out);
    let initialActive: Map<string, number> | null = null;
    let firstMasks: Map<string, Uint8Array> | null = null;
    let changed = 0;
    let checked = 0;
    const topoSteps: number[] = [];
    const result = await trainRun(config, {
      outDir: out,
      onProgress: (ev) => {
        if (ev.type === "topology") {
          topoSteps.push(ev.record.step);
          assert.ok(Math.abs(ev.record.density - 0.6) < 0.01, `density ${ev.record.density}`);
        }
        if (ev.type !== "checkpoint") return;
        const st = readSafetensors(Deno.readFileSync(files.state), files.state);
        const state = JSON.parse(st.metadata[STATE_KEY]!);
        assert.equal(state.step, ev.step);
        const active = new Map<string, number>();
        for (const [key, t] of st.tensors) {
          if (!key.startsWith("mask.")) continue;
          const name = key.slice(5);
          const m = t.data as Uint8Array;
          const w = st.tensors.get(`param.${name}`)!.data as Float32Array;
          let n = 0;
          for (let i = 0; i < m.length; i++) {
            if (m[i]) n++;
            else assert.ok(w[i] === 0, `${name}[${i}] is masked but ${w[i]} at step ${ev.step}`);
          }
          active.set(name, n);
          if (firstMasks?.has(name) && firstMasks.get(name)!.some((v, i) => v !== m[i])) changed++;
        }
        if (initialActive === null) {
          initialActive = active;
          firstMasks = new Map(
            [...st.tensors].filter(([k]) => k.startsWith("mask.")).map((
              [k, t],
            ) => [k.slice(5), Uint8Array.from(t.data as Uint8Array)]),
          );
        } else {
          assert.deepEqual(active, initialActive, `per-layer active counts at step ${ev.step}`);
        }
        checked++;
      },
    });
    assert.ok(checked >= 8, `checked ${checked} checkpoints`);
    assert.ok(topoSteps.length >= 3, `topology updates at ${topoSteps}`);
    assert.ok(changed > 0, "prune-and-grow changed some masks");
    assert.ok(Math.abs(result.density - 0.6) < 0.01, `final density ${result.density}`);
    assert.equal(result.steps, 16);
    assert.ok(result.params.nonzero < result.params.dense);
    assert.ok(result.ema !== null);
    // outputs
    for (
      const f of [files.config, files.meta, files.metrics, files.result, files.last, files.best]
    ) {
      await Deno.stat(f);
    }
    const meta = JSON.parse(await Deno.readTextFile(files.meta));
    assert.equal(meta.backend, "cpu");
    assert.equal(meta.seed, 0);
    assert.ok(typeof meta.end === "string");
    const recs = (await Deno.readTextFile(files.metrics)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.equal(recs.filter((r) => r.type === "epoch").length, 2);
    assert.equal(recs.filter((r) => r.type === "topology").length, topoSteps.length);
    assert.ok(Object.keys(recs[0].layers).length > 0, "per-layer densities logged");
    // the weights file loads without naming the model
    const wf = await readWeightsFile(files.last);
    assert.deepEqual(wf.config, config.modelConfig);
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});

Deno.test("trainRun() runs gradient growth, mixup/cutmix, accumulation and a dense model", async () => {
  const out = await Deno.makeTempDir({ prefix: "slak-train-" });
  const out2 = await Deno.makeTempDir({ prefix: "slak-train-" });
  try {
    const config = resolveTrainConfig(await readConfigFile(SMOKE), SMOKE, [
      ...TINY_SETS,
      "schedule.epochs=1",
      "optimizer.batchSize=8",
      "optimizer.accumSteps=2",
      "sparsity.growth=gradient",
      "sparsity.init=erk",
      "regularization.mixup=0.8",
      "regularization.cutmix=1.0",
    ]);
    const r = await trainRun(config, { outDir: out });
    assert.equal(r.steps, 8);
    assert.ok(Math.abs(r.density - 0.6) < 0.01);
    assert.ok(Number.isFinite(r.loss));
    const dense = resolveTrainConfig(await readConfigFile(SMOKE), SMOKE, [
      ...TINY_SETS,
      "schedule.epochs=1",
      "model.overrides.sparsity=0",
      "regularization.emaDecay=null",
    ]);
    const r2 = await trainRun(dense, { outDir: out2 });
    assert.equal(r2.density, 1);
    assert.equal(r2.params.nonzero, r2.params.dense);
    assert.equal(r2.ema, null);
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
    await Deno.remove(out2, { recursive: true }).catch(() => {});
  }
});
