// Training curves (`slak table --curve`): metrics.jsonl parsing, plateaus, per-step row statistics
// and claim verdicts on a synthetic sweep folder, the missing-step rule, the files and the CLI.
import assert from "node:assert/strict";
import {
  buildCurveFiles,
  buildTables,
  curvePlot,
  expandPlan,
  parseRunEvals,
  parseSpec,
  type Plan,
  plateauOf,
  plotFigure,
  plotSvg,
  resolveCountConfig,
  saveCurve,
  savePlan,
  shownSteps,
  studentTQuantile,
} from "../../lib/experiments/mod.ts";
import type { EpochRecord, TopologyRecord } from "../../lib/train/run_types.ts";
import type { SegEpochRecord } from "../../lib/train/seg_types.ts";
import { UserError } from "../../lib/util/errors.ts";
import { ROOT, runSlak, trainResolver } from "./_helpers.ts";
import { runCli, snapshot } from "../cli/_run.ts";

Deno.test("plateauOf(): the first step after which the curve never rose more than P pp", () => {
  const pts = (ms: number[]) => ms.map((mean, i) => ({ step: (i + 1) * 10, mean }));
  assert.deepEqual(plateauOf(pts([10, 30, 30.5, 30.2]), 1), {
    status: "plateau",
    step: 20,
    rise: 0.5,
    lastStep: 40,
    thresholdPp: 1,
  });
  // A later dip and recovery within P of the plateau value keeps the plateau.
  assert.equal(plateauOf(pts([10, 30, 20, 30.9]), 1).step, 20);
  assert.equal(plateauOf(pts([10, 30, 20, 31.5]), 1).status, "still rising");
  // The threshold is inclusive, and a larger one finds an earlier plateau.
  assert.equal(plateauOf(pts([10, 20, 30, 31]), 1).step, 30);
  assert.equal(plateauOf(pts([10, 20, 30, 32]), 1).status, "still rising");
  assert.equal(plateauOf(pts([10, 20, 30, 32]), 2).step, 30);
  // A curve that only falls after a point plateaus there (negative rise).
  const fall = plateauOf(pts([10, 40, 35, 36]), 1);
  assert.equal(fall.step, 20);
  assert.equal(fall.rise, -4);
  assert.equal(plateauOf(pts([10]), 1).status, "too few evaluations");
  assert.equal(plateauOf([], 1).lastStep, null);
});

const SEG_RECORD: SegEpochRecord = {
  type: "seg_epoch",
  step: 12,
  epoch: 1,
  lr: 0.001,
  density: 1,
  imgPerSec: 10,
  loss: 0.2,
  miou: 0.7,
  aAcc: 0.9,
  mAcc: 0.8,
  iou: { background: 0.9, shape: 0.5 },
  best: true,
};

Deno.test("parseRunEvals(): epoch and seg_epoch records by step, other records and bad lines skipped", () => {
  const lines = [
    JSON.stringify({ type: "epoch", step: 5, top1: 0.25, top5: 0.5, recalibrated: null }),
    JSON.stringify({ type: "topology", step: 6, loss: 1, pruneRate: 0.3, layers: {} }),
    JSON.stringify({ type: "step", step: 7, loss: 1 }),
    JSON.stringify({
      type: "epoch",
      step: 10,
      top1: 0.4,
      top5: null,
      recalibrated: { loss: 1, top1: 0.45, top5: null, n: 8 },
    }),
    JSON.stringify({ type: "epoch", step: 5, top1: 0.3, top5: 0.6 }), // a step logged twice
    JSON.stringify(SEG_RECORD),
    '{"type":"epoch","step":15,"to', // half-written last line
  ];
  const ev = parseRunEvals(lines.join("\n") + "\n");
  assert.deepEqual([...ev.points.keys()].sort((a, b) => a - b), [5, 10, 12]);
  assert.deepEqual(ev.points.get(5), { top1: 0.3, top5: 0.6 }, "the last record of step 5");
  assert.deepEqual(ev.points.get(10), { top1: 0.4, "recalibrated.top1": 0.45 });
  assert.deepEqual(ev.points.get(12), { miou: 0.7 });
  assert.equal(ev.badLines, 1);
});

Deno.test("shownSteps(): at most 12 step columns, evenly spread, first and last kept", () => {
  const all = Array.from({ length: 30 }, (_, i) => (i + 1) * 100);
  const shown = shownSteps(all);
  assert.equal(shown.length, 12);
  assert.equal(shown[0], 100);
  assert.equal(shown[11], 3000);
  assert.deepEqual(shownSteps([1, 2, 3]), [1, 2, 3]);
});

const SPEC = {
  name: "curve-test",
  title: "Curve test",
  axes: [
    {
      name: "kernel",
      levels: [
        { label: 3, set: { "model.overrides.kernelSizes": [3, 3, 3, 3] } },
        { label: 7, set: { "model.overrides.kernelSizes": [7, 7, 3, 3] } },
      ],
    },
  ],
  claims: [{
    id: "big-wins",
    text: "Larger kernels are more accurate.",
    compare: { a: { kernel: 7 }, b: { kernel: 3 } },
    expect: "a > b",
  }],
  scales: {
    smoke: {
      seeds: 3,
      base: {
        model: { name: "slak_nano", overrides: { depths: [1, 1, 1, 1], dims: [8, 8, 8, 8] } },
        data: { kind: "shapes", size: 32, trainSize: 16, testSize: 16, seed: 0 },
      },
    },
  },
};

const STEPS = [10, 20, 30, 40];
/** Kernel 3 levels off at step 30 (+0.5 later); kernel 7 still rises 1.5 pp after it. */
const BASE: Record<string, number[]> = { "3": [20, 40, 50, 50.5], "7": [20, 45, 55, 56.5] };
/** Per-seed noise of kernel 7 at each step: the difference 7 − 3 at step 10 straddles 0. */
const NOISE = [[-1, 0, 0, 0], [1, 0.1, 0.2, 0.1], [0.5, 0.2, 0.1, 0.2]];

/** Top-1 (%) of run kernel `k`, seed `s` at step index `j`. */
function acc(k: string, s: number, j: number): number {
  return BASE[k]![j]! + s + (k === "7" ? NOISE[s]![j]! : 0);
}

function epochRecord(step: number, top1: number): EpochRecord {
  return {
    type: "epoch",
    step,
    epoch: step / 10,
    lr: 0.001,
    density: 1,
    imgPerSec: 100,
    loss: 1,
    evalLoss: 1,
    top1: top1 / 100,
    top5: null,
    ema: null,
    recalibrated: null,
    emaRecalibrated: null,
    bestBy: "top1",
    pruneRate: null,
    dataShare: 0,
  };
}

const TOPOLOGY: TopologyRecord = {
  type: "topology",
  step: 15,
  epoch: 2,
  lr: 0.001,
  density: 0.6,
  imgPerSec: 100,
  loss: 1,
  pruneRate: 0.3,
  layers: { a: 0.6 },
};

/**
 * A sweep folder of SPEC with every run finished, except `unfinished` (metrics only, no result);
 * `skip` maps run names to step indices they did not evaluate.
 */
async function sweep(
  dir: string,
  opts: { unfinished?: string[]; skip?: Record<string, number[]> } = {},
): Promise<Plan> {
  const plan = expandPlan(parseSpec(SPEC, "curve-test.yaml"), "smoke", { resolve: trainResolver });
  await savePlan(dir, plan, false);
  for (const r of plan.runs) {
    const k = r.labels.kernel!;
    const run = `${dir}/runs/${r.id}`;
    await Deno.mkdir(run, { recursive: true });
    const skip = opts.skip?.[r.name] ?? [];
    const recs: (EpochRecord | TopologyRecord)[] = [];
    STEPS.forEach((step, j) => {
      if (!skip.includes(j)) recs.push(epochRecord(step, acc(k, r.seed, j)));
      if (j === 0) recs.push(TOPOLOGY);
    });
    await Deno.writeTextFile(
      `${run}/metrics.jsonl`,
      recs.map((x) => JSON.stringify(x)).join("\n") + "\n",
    );
    if (opts.unfinished?.includes(r.name)) continue;
    await Deno.writeTextFile(
      `${run}/result.json`,
      JSON.stringify({ top1: acc(k, r.seed, 3) / 100, top5: null, steps: 40 }),
    );
  }
  return plan;
}

function near(a: number | null | undefined, b: number, what: string, eps = 1e-9): void {
  assert.ok(a != null && Math.abs(a - b) < eps, `${what}: ${a} vs ${b}`);
}

/** Mean and sample sd of xs (written out here, independent of stats.ts). */
function meanSd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [m, Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))];
}

Deno.test("buildCurve(): per-step row means ± sd, plateaus, and claims judged at every step", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-curve-" });
  try {
    await sweep(dir);
    const t = buildTables(dir);
    const { curve } = buildCurveFiles(dir, t);
    assert.equal(curve.rows.length, 2);
    for (const row of curve.rows) {
      const k = row.labels.kernel!;
      assert.deepEqual(row.points.map((p) => p.step), STEPS);
      assert.equal(row.runs, 3);
      STEPS.forEach((_, j) => {
        const [m, sd] = meanSd([0, 1, 2].map((s) => acc(k, s, j)));
        near(row.points[j]!.mean, m, `row ${k} step ${STEPS[j]} mean`);
        near(row.points[j]!.sd, sd, `row ${k} step ${STEPS[j]} sd`);
        assert.equal(row.points[j]!.n, 3);
      });
      // The last step reads as the table.
      const tableRow = t.rows.find((r) => r.labels.kernel === k)!;
      near(row.points[3]!.mean, tableRow.metric!.mean, `row ${k}: last step = table`);
      assert.deepEqual(row.partialSteps, []);
    }
    const [r3, r7] = curve.rows;
    assert.equal(r3!.plateau.status, "plateau");
    assert.equal(r3!.plateau.step, 30);
    near(r3!.plateau.rise, 0.5, "rise after the plateau");
    assert.equal(r7!.plateau.status, "still rising");
    // The claim, step by step: paired differences over seeds and their 95 % t interval (df 2).
    assert.equal(curve.claims.length, 1);
    const c = curve.claims[0]!;
    assert.deepEqual(c.steps.map((s) => s.step), STEPS);
    const t975 = 4.302652729911275; // Student t, 0.975 quantile, 2 df (tables)
    near(studentTQuantile(0.975, 2), t975, "t quantile", 1e-9);
    STEPS.forEach((step, j) => {
      const d = [0, 1, 2].map((s) => acc("7", s, j) - acc("3", s, j));
      const [m, sd] = meanSd(d);
      const s = c.steps[j]!;
      assert.equal(s.n, 3, `step ${step}: 3 pairs`);
      assert.deepEqual(s.seeds, [0, 1, 2]);
      near(s.mean, m, `step ${step} mean`);
      near(s.lo, m - t975 * sd / Math.sqrt(3), `step ${step} lo`, 1e-6);
      near(s.hi, m + t975 * sd / Math.sqrt(3), `step ${step} hi`, 1e-6);
    });
    assert.deepEqual(
      c.steps.map((s) => s.verdict),
      ["inconclusive", "reproduced", "reproduced", "reproduced"],
    );
    assert.equal(c.since, 20, "reproduced from step 20 on");
    assert.equal(c.final.verdict, c.steps[3]!.verdict, "last step = the table's verdict");
    assert.equal(c.final.mean, c.steps[3]!.mean);
    // A different plateau threshold moves the plateau.
    const loose = buildCurveFiles(dir, t, { plateauPp: 2 }).curve;
    assert.equal(loose.rows[1]!.plateau.step, 30);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildCurve(): only steps evaluated by every finished run count, and it says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-curve-" });
  try {
    // 7/s1 skipped the evaluation at step 20; 3/s2 has not finished (metrics.jsonl only).
    await sweep(dir, { skip: { "7/s1": [1] }, unfinished: ["3/s2"] });
    const files = buildCurveFiles(dir, buildTables(dir));
    const { curve } = files;
    const [r3, r7] = curve.rows;
    assert.deepEqual(r7!.points.map((p) => p.step), [10, 30, 40]);
    assert.deepEqual(r7!.partialSteps, [20]);
    assert.equal(r3!.runs, 2, "the unfinished run is left out");
    assert.deepEqual(r3!.points.map((p) => p.step), STEPS);
    near(r3!.points[1]!.mean, (acc("3", 0, 1) + acc("3", 1, 1)) / 2, "mean of the 2 finished");
    assert.equal(curve.unfinished, 1);
    const c = curve.claims[0]!;
    assert.deepEqual(c.steps.map((s) => s.step), [10, 30, 40], "step 20 lacks a paired run");
    assert.deepEqual(c.partialSteps, [20]);
    assert.ok(c.steps.every((s) => s.n === 2), "seed 2 has no pair (3/s2 unfinished)");
    assert.match(files.markdown, /row 7: the runs have different evaluation steps; steps 20/);
    assert.match(files.markdown, /claim big-wins \(–\): the paired runs have different/);
    assert.match(files.markdown, /1 planned runs are not finished/);
    assert.match(files.markdown, /\| 7 \| [^|]+ \| 3 \| [\d.]+ ± [\d.]+ \| – \| [\d.]+ ± /);
    // A finished run without metrics.jsonl leaves its row (and claim) without common steps.
    const t = buildTables(dir);
    const run7 = t.plan.runs.find((r) => r.name === "7/s0")!;
    await Deno.remove(`${dir}/runs/${run7.id}/metrics.jsonl`);
    const none = buildCurveFiles(dir, buildTables(dir)).curve;
    assert.deepEqual(none.rows[1]!.points, []);
    assert.deepEqual(none.rows[1]!.noEvals, ["7/s0"]);
    assert.deepEqual(none.claims[0]!.steps, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--recalibrated: BatchNorm runs' points from the recalibrated evaluation", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-curve-" });
  try {
    const plan = await sweep(dir);
    // Kernel 7 runs recorded a recalibrated evaluation 10 pp above the running-statistics one.
    for (const r of plan.runs.filter((r) => r.labels.kernel === "7")) {
      const path = `${dir}/runs/${r.id}/metrics.jsonl`;
      const lines = (await Deno.readTextFile(path)).trim().split("\n").map((l) => {
        const rec = JSON.parse(l);
        if (rec.type !== "epoch") return l;
        rec.recalibrated = { loss: 1, top1: rec.top1 + 0.1, top5: null, n: 16 };
        return JSON.stringify(rec);
      });
      await Deno.writeTextFile(path, lines.join("\n") + "\n");
    }
    const t = buildTables(dir);
    const model = buildCurveFiles(dir, t).curve;
    const rc = buildCurveFiles(dir, t, { figure: "recalibrated" });
    near(rc.curve.rows[1]!.points[0]!.mean, model.rows[1]!.points[0]!.mean + 10, "7: +10 pp");
    near(rc.curve.rows[0]!.points[0]!.mean, model.rows[0]!.points[0]!.mean, "3: unchanged");
    assert.equal(rc.curve.rows[1]!.recalibratedRuns, 3);
    assert.equal(rc.curve.rows[0]!.recalibratedRuns, 0);
    near(rc.curve.claims[0]!.steps[0]!.mean, model.claims[0]!.steps[0]!.mean! + 10, "claim Δ");
    assert.match(rc.markdown, /\| 7 \| [^|]+ \| 3 \| BN-recalibrated \|/);
    assert.match(rc.markdown, /\| 3 \| [^|]+ \| 3 \| model \|/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the curve plot: one line per row, ± sd error bars at every step, the chance line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-curve-" });
  try {
    const plan = await sweep(dir);
    const t = buildTables(dir);
    const { curve } = buildCurveFiles(dir, t);
    const fig = curvePlot(t.spec, plan, curve)!;
    assert.deepEqual(fig.xs, STEPS);
    assert.equal(fig.panels.length, 1);
    assert.deepEqual(fig.panels[0]!.series.map((s) => s.key), ["3", "7"]);
    assert.equal(fig.panels[0]!.chance, 100 / 8, "shapes: 8 classes");
    near(fig.panels[0]!.series[1]!.points[2]!.sd, curve.rows[1]!.points[2]!.sd!, "bar = sd");
    const svg = plotSvg(fig);
    assert.equal(svg.match(/data-role="series"/g)?.length, 2);
    assert.equal(svg.match(/data-role="error-bar"/g)?.length, 8);
    assert.match(svg, /data-role="chance" data-value="12.5"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveCurve() writes curve.md, curve.csv, curve_claims.csv and plot-curve.svg", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-curve-" });
  try {
    await sweep(dir);
    const c = buildCurveFiles(dir, buildTables(dir));
    await saveCurve(dir, c);
    for (const f of ["curve.md", "curve.csv", "curve_claims.csv", "plot-curve.svg"]) {
      assert.ok(c.files.includes(`${dir}/${f}`), f);
    }
    const csv = (await Deno.readTextFile(`${dir}/curve.csv`)).trim().split("\n");
    assert.equal(csv.length, 1 + 2 * 4, "2 rows × 4 steps");
    assert.match(csv[0]!, /^kernel,model,runs,figure,recalibrated_runs,step,n,top1_mean,top1_sd/);
    assert.match(csv[3]!, /^3,[^,]+,3,model,0,30,3,51,1,/);
    const claims = (await Deno.readTextFile(`${dir}/curve_claims.csv`)).trim().split("\n");
    assert.equal(claims.length, 1 + 4);
    assert.match(claims[2]!, /^big-wins,–,kernel=7,kernel=3,a > b,top1,20,3,0 1 2,/);
    assert.match(claims[2]!, /,reproduced,$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a committed sweep: the last step of every row equals its table", () => {
  // Read only: buildTables and buildCurveFiles write nothing.
  const dir = `${ROOT}experiments/kernel-scaling/small`;
  const t = buildTables(dir);
  const { curve } = buildCurveFiles(dir, t);
  assert.equal(curve.metric, "top1");
  const done = t.rows.filter((r) => r.metric);
  assert.ok(done.length > 0);
  for (const r of done) {
    const row = curve.rows.find((c) => JSON.stringify(c.labels) === JSON.stringify(r.labels))!;
    const last = row.points[row.points.length - 1]!;
    near(last.mean, r.metric!.mean, `${JSON.stringify(r.labels)} last top-1`);
  }
});

Deno.test("two axes varying in a panel: one distinct legend entry per row (committed sweep)", () => {
  const dir = `${ROOT}experiments/segmentation-budget/small`;
  const t = buildTables(dir);
  const { curve } = buildCurveFiles(dir, t);
  const fig = curvePlot(t.spec, t.plan, curve)!;
  assert.equal(fig.panels.length, 1);
  assert.deepEqual(fig.panels[0]!.series.map((s) => s.key).sort(), [
    "budget=200, kernel=51",
    "budget=200, kernel=7",
    "budget=800, kernel=51",
    "budget=800, kernel=7",
  ]);
  const long = fig.panels[0]!.series.find((s) => s.key === "budget=800, kernel=51")!;
  assert.equal(long.points.length, 8, "evaluated every 100 of 800 steps");
});

Deno.test("slak table --curve: Markdown, CSV, JSON and usage errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-curve-" });
  try {
    await sweep(dir);
    const md = await runSlak(["table", dir, "--curve", "--quiet"]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Curve test — smoke scale: top-1 % over training/);
    assert.match(
      md.stdout,
      /\| kernel \| model \| n \| step 10 \| step 20 \| step 30 \| step 40 \|/,
    );
    assert.match(
      md.stdout,
      /\| 3 \| [^|]+ \| 3 \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| step 30 of 40/,
    );
    assert.match(md.stdout, /\| big-wins \| – \| 20 \| 3 \| \+[\d.]+ ± [\d.]+ \| \[\+[\d.]+, /);
    for (const f of ["table.md", "curve.md", "curve.csv", "plot-curve.svg"]) {
      await Deno.stat(`${dir}/${f}`);
    }
    const csv = await runSlak(["table", dir, "--curve", "--format", "csv", "--quiet"]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.trim().split("\n").length, 1 + 8);
    const json = await runSlak([
      "table",
      dir,
      "--curve",
      "--format",
      "json",
      "--plateau-pp",
      "2",
      "--quiet",
    ]);
    assert.equal(json.code, 0, json.stderr);
    const j = JSON.parse(json.stdout);
    assert.equal(j.plateauPp, 2);
    assert.equal(j.rows[1].plateau.step, 30, "kernel 7 plateaus at 30 with P = 2");
    assert.deepEqual(j.claims[0].steps.map((s: { verdict: string }) => s.verdict), [
      "inconclusive",
      "reproduced",
      "reproduced",
      "reproduced",
    ]);
    const bad = await runSlak(["table", dir, "--curve", "--plateau-pp", "-1"]);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--plateau-pp' must be a number of percentage points >= 0, got "-1"/);
    const alone = await runSlak(["table", dir, "--plateau-pp", "2"]);
    assert.equal(alone.code, 64);
    assert.match(alone.stderr, /'--plateau-pp' applies only with --curve/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("many evaluation steps: a tick at each, a number at every few (at most 8)", () => {
  const rows = Array.from({ length: 30 }, (_, i) => ({
    labels: { k: "3", step: String((i + 1) * 50) },
    metric: { mean: 40 + i, std: null, n: 1 },
  }));
  const fig = plotFigure(rows, {
    x: "step",
    series: "k",
    panel: null,
    title: "t",
    xLabel: "step",
    yLabel: "top-1",
    k: 1,
    names: {},
    chanceOf: () => null,
  })!;
  const svg = plotSvg(fig);
  const numbers = [...svg.matchAll(/text-anchor="middle">(\d+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(numbers, ["50", "250", "450", "650", "850", "1050", "1250", "1450"]);
  assert.equal(svg.match(/stroke="#333"\/>/g)!.length >= 30, true, "a tick per step");
});

Deno.test("a counting sweep has no curve: a usage error naming the folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-curve-count-" });
  try {
    const spec = parseSpec({
      name: "count-test",
      title: "Count test",
      kind: "count",
      metric: "none",
      axes: SPEC.axes,
      scales: { smoke: { base: { model: { name: "slak_nano" }, inputSize: [32, 32] } } },
    }, "count-test.yaml");
    await savePlan(dir, expandPlan(spec, "smoke", { resolve: resolveCountConfig }), false);
    assert.throws(() => buildCurveFiles(dir, buildTables(dir)), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match((e as Error).message, /spec count-test only counts/);
      assert.ok((e as Error).message.includes(dir), "names the folder");
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("slak table --curve prints from a folder it may not write, with a warning", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-curve-" });
  try {
    await sweep(dir);
    const before = snapshot(dir);
    const r = await runCli(["table", dir, "--curve", "--format", "csv"], {}, [
      `--deny-write=${dir}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kernel,model,runs,figure,/);
    assert.match(r.stderr, /slak: warning: .*curve printed, files not written/);
    assert.deepEqual(snapshot(dir), before, "the folder is unchanged");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
