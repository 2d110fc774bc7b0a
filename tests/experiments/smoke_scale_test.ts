// The README's main command (kernel-scaling, smoke scale) must learn something and say what its
// table shows: it trains on the generated shapes, and the scale's note heads the table.
import assert from "node:assert/strict";
import { expandPlan, loadSpec, parseSpec, renderMarkdown } from "../../lib/experiments/mod.ts";
import { trainResolver } from "./_helpers.ts";

Deno.test("renderMarkdown() puts the scale's note above the table, and nothing without one", () => {
  const base = { model: { name: "slak_nano" }, data: { kind: "shapes", trainSize: 8 } };
  const spec = parseSpec({
    name: "t",
    title: "T",
    axes: [{ name: "k", levels: [{ label: 1 }] }],
    scales: {
      smoke: { note: "A check, not a result.", base },
      small: { base },
    },
  }, "inline");
  const smoke = renderMarkdown(spec, expandPlan(spec, "smoke", { resolve: trainResolver }), [], []);
  assert.match(smoke, /^# T — smoke scale\n\nA check, not a result\.\n\nSpec `t`/);
  const small = renderMarkdown(spec, expandPlan(spec, "small", { resolve: trainResolver }), [], []);
  assert.match(small, /^# T — small scale\n\nSpec `t`/);
});

Deno.test("kernel-scaling smoke: 20 runs on generated shapes, 48 steps, a note on what it shows", async () => {
  const { spec } = await loadSpec("kernel-scaling");
  const plan = expandPlan(spec, "smoke", { resolve: trainResolver });
  assert.equal(plan.runs.length, 20);
  for (const r of plan.runs) {
    const data = r.config.data as { kind: string; size: number; trainSize: number };
    const batch = (r.config.optimizer as { batchSize: number }).batchSize;
    const epochs = (r.config.schedule as { epochs: number }).epochs;
    assert.equal(r.labels.dataset, "shapes", r.name);
    assert.deepEqual([data.kind, data.size], ["shapes", 32], r.name);
    assert.equal(epochs * Math.ceil(data.trainSize / batch), 48, r.name);
  }
  const note = spec.scales.smoke?.note ?? "";
  assert.match(note, /chance 12\.5 %/);
  assert.match(note, /not evidence/);
  assert.match(note, /kernel-size claims/);
});
