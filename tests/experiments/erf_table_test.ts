// The ERF table of a sweep folder: one row per configuration, n = measured/planned seeds, r(t) as
// mean ± sample sd over the measured seeds; the figure's panels carry the rows' labels.
import assert from "node:assert/strict";
import { encodeNpy } from "../../lib/io/mod.ts";
import { logScaled } from "../../lib/analysis/mod.ts";
import { expandPlan, parseSpec } from "../../lib/experiments/mod.ts";
import { erfMarkdown, erfPanels, erfRows } from "../../lib/experiments/erf_table.ts";
import { trainResolver } from "./_helpers.ts";

const spec = parseSpec({
  name: "t",
  title: "T",
  kind: "erf",
  axes: [
    { name: "dataset", levels: [{ label: "shapes" }] },
    { name: "network", levels: [{ label: "a" }, { label: "b" }] },
  ],
  scales: {
    smoke: {
      seeds: 3,
      base: { model: { name: "slak_nano" }, data: { kind: "shapes", trainSize: 8 } },
      levels: { network: { b: { "model.overrides.widthFactor": 1.3 } } },
    },
  },
}, "inline");

function writeRun(dir: string, id: string, r99: number, fill: number): void {
  Deno.mkdirSync(`${dir}/runs/${id}`, { recursive: true });
  const areaRatio = { "0.2": r99 / 4, "0.3": r99 / 3, "0.5": r99 / 2, "0.99": r99 };
  Deno.writeTextFileSync(`${dir}/runs/${id}/erf.json`, JSON.stringify({ areaRatio }));
  const data = new Float32Array(16).map((_, p) => fill * p);
  Deno.writeFileSync(
    `${dir}/runs/${id}/erf.npy`,
    encodeNpy({ dtype: "float32", shape: [4, 4], data }),
  );
}

Deno.test("erfRows(): mean ± sample sd over the measured seeds, n, and panels titled by labels", () => {
  const dir = Deno.makeTempDirSync({ prefix: "slak-erf-table-" });
  try {
    const plan = expandPlan(spec, "smoke", { resolve: trainResolver });
    const a = plan.runs.filter((r) => r.labels.network === "a");
    const b = plan.runs.filter((r) => r.labels.network === "b");
    const xs = [0.2, 0.5, 0.8];
    a.forEach((r, i) => writeRun(dir, r.id, xs[i]!, i));
    writeRun(dir, b[0]!.id, 0.6, 1); // one seed of three measured

    const rows = erfRows(dir, plan);
    assert.deepEqual(rows.map((r) => [r.title, r.n, r.planned]), [
      ["shapes / a", 3, 3],
      ["shapes / b", 1, 3],
    ]);
    const m = xs.reduce((s, x) => s + x, 0) / 3;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / 2);
    assert.ok(Math.abs(rows[0]!.ratios["0.99"]!.mean - m) < 1e-12);
    assert.ok(Math.abs(rows[0]!.ratios["0.99"]!.std! - sd) < 1e-12);
    assert.equal(rows[1]!.ratios["0.99"]!.std, null);

    const md = erfMarkdown(plan, rows);
    assert.match(
      md,
      new RegExp(`\\| shapes \\| a \\| 3/3 \\|.*\\| ${m.toFixed(4)} ± ${sd.toFixed(4)} \\|`),
    );
    assert.match(md, /\| shapes \| b \| 1\/3 \|.*\| 0\.6000 \|/);
    assert.match(md, /mean ± sample sd over seeds/);

    const panels = erfPanels(dir, rows);
    assert.deepEqual(panels.map((p) => p.title), ["shapes / a", "shapes / b"]);
    // Panel a averages its seeds' maps (p·0, p·1, p·2 → p), then log-scales the mean.
    const expected = logScaled(new Float32Array(16).map((_, p) => p));
    assert.ok(panels[0]!.scaled.every((v, p) => Math.abs(v - expected[p]!) < 1e-6));
    assert.equal(panels[0]!.areaRatio["0.99"], rows[0]!.ratios["0.99"]!.mean);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
