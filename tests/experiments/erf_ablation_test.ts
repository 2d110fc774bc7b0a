// `slak ablate` on an ERF spec, end to end at a tiny scale: it trains every run, measures each
// run's ERF into the run folder, prints the area-ratio table (mean ± sd over seeds, n) and writes
// the comparison figure; a second invocation neither retrains nor re-measures; a run missing its
// erf.json, or measured with other settings, is measured again without retraining.
import assert from "node:assert/strict";
import { readNpy } from "../../lib/io/mod.ts";
import { ERF_THRESHOLDS } from "../../lib/analysis/mod.ts";
import { expandPlan, loadSpec, parseSpec, readPlan } from "../../lib/experiments/mod.ts";
import { runSlak, trainResolver } from "./_helpers.ts";

function spec(images: number): string {
  return `
name: tiny-erf
title: Tiny ERF sweep
kind: erf
metric: top1
axes:
  - name: network
    levels:
      - { label: k3, set: { model.overrides.kernelSizes: [3, 3, 3, 3] } }
      - { label: k7, set: { model.overrides.kernelSizes: [7, 7, 3, 3] } }
scales:
  smoke:
    backend: cpu
    seeds: 2
    base:
      model:
        name: slak_nano
        overrides: { depths: [1, 1, 1, 1], dims: [8, 8, 8, 8], smallKernel: 3, dropPath: 0 }
      data: { kind: shapes, size: 32, trainSize: 32, testSize: 8, seed: 0 }
      optimizer: { batchSize: 16 }
      schedule: { epochs: 1, warmupEpochs: 0 }
      sparsity: { updateEvery: 1 }
    erf: { images: ${images}, size: 32, batchSize: 2 }
`;
}

function mtime(path: string): number {
  return Deno.statSync(path).mtime!.getTime();
}

Deno.test("slak ablate on an ERF spec: trains, measures, tabulates, and resumes without redoing", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "slak-erf-ablate-" });
  try {
    const specPath = `${tmp}/tiny-erf.yaml`;
    const dir = `${tmp}/sweep`;
    await Deno.writeTextFile(specPath, spec(3));
    const args = ["ablate", specPath, "--out", dir, "--jobs", "1"];
    const first = await runSlak(args);
    assert.equal(first.code, 0, first.stderr);
    const plan = readPlan(dir)!;
    assert.equal(plan.runs.length, 4);

    // Per run: training result and the three ERF files; erf.json records the settings.
    for (const r of plan.runs) {
      const run = `${dir}/runs/${r.id}`;
      for (const f of ["result.json", "erf.npy", "erf.png", "erf.json"]) {
        assert.ok(Deno.statSync(`${run}/${f}`).isFile, `${r.name}: ${f}`);
      }
      const rec = JSON.parse(Deno.readTextFileSync(`${run}/erf.json`));
      assert.deepEqual(rec.settings, { images: 3, size: 32, batchSize: 2, weights: "last" });
      assert.equal(rec.images + rec.skipped, 3);
      assert.deepEqual(Object.keys(rec.areaRatio), ERF_THRESHOLDS.map(String));
      const map = readNpy(Deno.readFileSync(`${run}/erf.npy`));
      assert.deepEqual(map.shape, [32, 32]);
    }

    // The printed table: one row per network, n = 2/2, mean ± sd matching the runs' erf.json.
    assert.match(
      first.stdout,
      /\| network \| n \| r\(0\.2\) \| r\(0\.3\) \| r\(0\.5\) \| r\(0\.99\) \|/,
    );
    for (const label of ["k3", "k7"]) {
      const runs = plan.runs.filter((r) => r.labels.network === label);
      const xs = runs.map((r) =>
        JSON.parse(Deno.readTextFileSync(`${dir}/runs/${r.id}/erf.json`)).areaRatio["0.99"]
      );
      const mean = (xs[0] + xs[1]) / 2;
      const sd = Math.abs(xs[0] - xs[1]) / Math.SQRT2;
      const row = first.stdout.split("\n").find((l) => l.startsWith(`| ${label} | 2/2 |`));
      assert.ok(row, `row of ${label} in:\n${first.stdout}`);
      assert.ok(
        row.trimEnd().endsWith(`| ${mean.toFixed(4)} ± ${sd.toFixed(4)} |`),
        `${row} vs ${mean} ± ${sd}`,
      );
    }
    const png = Deno.readFileSync(`${dir}/erf.png`);
    assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    assert.match(Deno.readTextFileSync(`${dir}/erf.md`), /± /);
    assert.match(Deno.readTextFileSync(`${dir}/erf.csv`), /^network,n,planned,r0\.2_mean,/);

    // Second invocation: nothing retrained or re-measured.
    const times = plan.runs.map((r) => [
      mtime(`${dir}/runs/${r.id}/result.json`),
      mtime(`${dir}/runs/${r.id}/erf.json`),
    ]);
    const second = await runSlak(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /0 ran, 4 already done/);
    assert.deepEqual(
      plan.runs.map((r) => [
        mtime(`${dir}/runs/${r.id}/result.json`),
        mtime(`${dir}/runs/${r.id}/erf.json`),
      ]),
      times,
    );

    // A run without erf.json is measured again, not retrained (even when its training state file
    // was deleted to save space: result.json alone marks the training finished).
    const victim = plan.runs[1]!;
    await Deno.remove(`${dir}/runs/${victim.id}/erf.json`);
    await Deno.remove(`${dir}/runs/${victim.id}/checkpoints/state.safetensors`);
    const third = await runSlak(args);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stderr, /1 ran, 3 already done/);
    assert.equal(mtime(`${dir}/runs/${victim.id}/result.json`), times[1]![0]);
    assert.ok(Deno.statSync(`${dir}/runs/${victim.id}/erf.json`).isFile);

    // Other ERF settings: the same runs (same ids), every ERF measured again, nothing retrained.
    await Deno.writeTextFile(specPath, spec(2));
    const fourth = await runSlak(args);
    assert.equal(fourth.code, 0, fourth.stderr);
    assert.match(fourth.stderr, /4 ran, 0 already done/);
    plan.runs.forEach((r, i) => {
      assert.equal(mtime(`${dir}/runs/${r.id}/result.json`), times[i]![0], r.name);
      const rec = JSON.parse(Deno.readTextFileSync(`${dir}/runs/${r.id}/erf.json`));
      assert.equal(rec.settings.images, 2, r.name);
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("the built-in erf spec: its run ids are those of the same runs in a training sweep", async () => {
  const { spec } = await loadSpec("erf");
  assert.equal(spec.kind, "erf");
  for (const scale of ["smoke", "small"]) {
    const erf = expandPlan(spec, scale, { resolve: trainResolver });
    const asTrain = expandPlan(
      parseSpec({ ...structuredClone(spec), kind: "train" }, "inline"),
      scale,
      { resolve: trainResolver },
    );
    assert.deepEqual(erf.runs.map((r) => r.id), asTrain.runs.map((r) => r.id), scale);
    // The ERF settings are not part of the runs: changing them keeps every id.
    const other = structuredClone(spec);
    other.scales[scale as "smoke"]!.erf = { images: 1, size: 32, batchSize: 1, weights: "best" };
    assert.deepEqual(
      expandPlan(other, scale, { resolve: trainResolver }).runs.map((r) => r.id),
      erf.runs.map((r) => r.id),
    );
  }
  const smoke = spec.scales.smoke!;
  assert.equal(smoke.backend, "cpu");
  assert.ok(smoke.erf !== undefined, "the smoke scale says how it measures the ERF");
  assert.equal(expandPlan(spec, "smoke", { resolve: trainResolver }).runs.length, 3);
});
