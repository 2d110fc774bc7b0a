import assert from "node:assert/strict";
import {
  activeCount,
  countActive,
  dropDenseMasks,
  initMasks,
  masksFromNonzero,
  overallDensity,
} from "../../lib/sparse/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

const SHAPES = new Map<string, number[]>([
  ["stem", [4, 4, 3, 13]],
  ["lora1", [13, 5, 17, 1]],
  ["pw", [17, 68]],
  ["head", [17, 10]],
  ["tiny", [1, 1]],
]);

Deno.test("initMasks() gives each layer exactly round(density·numel) active weights", () => {
  const dens = new Map([["stem", 0.6], ["lora1", 0.37], ["pw", 0.999], ["head", 0], ["tiny", 1]]);
  const masks = initMasks(dens, SHAPES, Rng.stream(7, "mask"));
  for (const [name, d] of dens) {
    const m = masks.get(name)!;
    const n = SHAPES.get(name)!.reduce((a, b) => a * b, 1);
    assert.equal(m.length, n);
    assert.equal(countActive(m), Math.round(d * n), name);
    assert.ok(m.every((v) => v === 0 || v === 1));
  }
  assert.equal(activeCount(10, 0.25), 3); // round half up
});

Deno.test("initMasks() is deterministic under a seed and differs across seeds", () => {
  const dens = new Map([["stem", 0.6], ["pw", 0.4]]);
  const a = initMasks(dens, SHAPES, Rng.stream(3, "mask"));
  const b = initMasks(dens, SHAPES, Rng.stream(3, "mask"));
  const c = initMasks(dens, SHAPES, Rng.stream(4, "mask"));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.get("stem"), c.get("stem"));
});

Deno.test("initMasks() draws positions uniformly (every position active about density of the time)", () => {
  const shapes = new Map([["w", [5, 8]]]);
  for (const d of [0.25, 0.75]) {
    const hits = new Float64Array(40);
    const rng = Rng.stream(11, "mask");
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const m = initMasks(new Map([["w", d]]), shapes, rng).get("w")!;
      for (let i = 0; i < 40; i++) hits[i]! += m[i]!;
    }
    const sd = Math.sqrt(trials * d * (1 - d));
    for (let i = 0; i < 40; i++) assert.ok(Math.abs(hits[i]! - trials * d) < 5 * sd, `pos ${i}`);
  }
});

Deno.test("dropDenseMasks() removes layers at density >= 0.99 (official rule)", () => {
  const dens = new Map([["stem", 0.6], ["lora1", 0.99], ["pw", 0.985], ["tiny", 1]]);
  const masks = initMasks(dens, SHAPES, Rng.stream(1, "mask"));
  const { masks: kept, dropped } = dropDenseMasks(masks);
  assert.deepEqual(dropped, ["lora1", "tiny"]);
  assert.deepEqual([...kept.keys()], ["stem", "pw"]);
  // overall density can count the dropped (dense) layers in
  const denseNumel = 13 * 5 * 17 + 1;
  const all = overallDensity(kept, denseNumel);
  const want = (countActive(kept.get("stem")!) + countActive(kept.get("pw")!) + denseNumel) /
    (624 + 1156 + denseNumel);
  assert.equal(all, want);
});

Deno.test("masksFromNonzero() marks the non-zero weights (official resume mode)", () => {
  const m = masksFromNonzero(new Map([["w", new Float32Array([0, 1.5, -0, -2, 0])]]));
  assert.deepEqual([...m.get("w")!], [0, 1, 0, 1, 0]);
});
