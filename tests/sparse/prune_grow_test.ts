import assert from "node:assert/strict";
import {
  applyMasks,
  countActive,
  growthStrategy,
  initMasks,
  magnitudePrune,
  maskTensors,
  pruneAndGrow,
  pruneRate,
  uniformDensities,
} from "../../lib/sparse/mod.ts";
import { tf } from "../../lib/tf.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { Rng } from "../../lib/util/rng.ts";

await tf.setBackend("cpu");

const SHAPES = new Map<string, number[]>([
  ["stem", [4, 4, 3, 16]],
  ["lora1", [13, 5, 24, 1]],
  ["lora2", [5, 13, 24, 1]],
  ["pw", [24, 96]],
  ["head", [24, 10]],
]);

function numel(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

function randomWeights(masks: Map<string, Uint8Array>, rng: Rng): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [n, m] of masks) {
    const w = new Float32Array(m.length);
    for (let i = 0; i < m.length; i++) w[i] = m[i] ? rng.normal() : 0;
    out.set(n, w);
  }
  return out;
}

Deno.test("magnitudePrune() removes ceil(rate·active) smallest-|w| active weights, ties to lower index", () => {
  const w = new Float32Array([0.5, -0.1, 0.3, 0, 0.1, -0.9, 0.2, 0.05]);
  const m = new Uint8Array([1, 1, 1, 0, 1, 1, 1, 0]);
  // 6 active, rate 0.4 -> ceil(2.4) = 3: |w| 0.1 at 1, 0.1 at 4, then 0.2 at 6
  const r = magnitudePrune(m, w, 0.4);
  assert.deepEqual([...r.pruned], [1, 4, 6]);
  assert.deepEqual([...r.mask], [1, 0, 1, 0, 0, 1, 0, 0]);
  assert.deepEqual([...m], [1, 1, 1, 0, 1, 1, 1, 0]); // input untouched
  assert.equal(magnitudePrune(m, w, 0).pruned.length, 0);
  // tie between 1 and 4 with only one place: the lower index goes
  assert.deepEqual([...magnitudePrune(m, w, 1 / 6).pruned], [1]);
});

Deno.test("pruneAndGrow() prunes exactly the smallest-magnitude active weights of every layer", () => {
  const rng = Rng.stream(5, "test");
  const masks = initMasks(uniformDensities(SHAPES, 0.6), SHAPES, Rng.stream(5, "mask"));
  const weights = randomWeights(masks, rng);
  const rate = 0.3;
  const r = pruneAndGrow(masks, weights, { rate, growth: "random", rng: Rng.stream(5, "grow") });
  for (const [name, m] of masks) {
    const w = weights.get(name)!;
    const active = [...m.keys()].filter((i) => m[i] === 1);
    const byMag = active.slice().sort((i, j) => Math.abs(w[i]!) - Math.abs(w[j]!) || i - j);
    const nRemove = Math.ceil(rate * active.length);
    const mustGo = byMag.slice(0, nRemove);
    const mustStay = byMag.slice(nRemove);
    const next = r.masks.get(name)!;
    for (const i of mustStay) assert.equal(next[i], 1, `${name}: kept weight ${i} lost`);
    const st = r.stats.get(name)!;
    assert.equal(st.removed, nRemove);
    assert.equal(st.grown, nRemove);
    // pruned positions are active again only if regrown
    const back = mustGo.filter((i) => next[i] === 1).length;
    assert.equal(back, st.regrown);
  }
});

Deno.test("gradient growth activates the largest-|grad| inactive positions (incl. just pruned)", () => {
  const m = new Uint8Array([1, 1, 1, 1, 0, 0, 0, 0]);
  const w = new Float32Array([0.9, 0.01, 0.8, 0.7, 0, 0, 0, 0]);
  const g = new Float32Array([9, 8, 0, 0, 0.5, -3, 0.5, 0.5]);
  // rate 0.5 -> prune 2: positions 1 (0.01) and 3 (0.7). Inactive then: 1, 3, 4, 5, 6, 7.
  // |g| there: 8, 0, 0.5, 3, 0.5, 0.5 -> grow 1 (8) and 5 (3).
  const r = pruneAndGrow(new Map([["w", m]]), new Map([["w", w]]), {
    rate: 0.5,
    growth: "gradient",
    rng: Rng.stream(0, "mask"),
    grads: new Map([["w", g]]),
  });
  assert.deepEqual([...r.masks.get("w")!], [1, 1, 1, 0, 0, 1, 0, 0]);
  assert.equal(r.stats.get("w")!.regrown, 1);
  // ties in |g| go to the lower index: prune 3 of 4, grow 3 among |g| = {8, 0, 0, .5, 3, .5, .5}
  const r2 = pruneAndGrow(new Map([["w", m]]), new Map([["w", w]]), {
    rate: 0.75,
    growth: "gradient",
    rng: Rng.stream(0, "mask"),
    grads: new Map([["w", g]]),
  });
  assert.deepEqual([...r2.masks.get("w")!], [1, 1, 0, 0, 1, 1, 0, 0]);
  assert.throws(
    () =>
      pruneAndGrow(new Map([["w", m]]), new Map([["w", w]]), {
        rate: 0.5,
        growth: "gradient",
        rng: Rng.stream(0, "mask"),
      }),
    /no gradient/,
  );
});

Deno.test("pruneAndGrow() keeps every layer's density exact over many rounds and weights masked", () => {
  const T = 4000, u = 100;
  const rng = Rng.stream(9, "test");
  const maskRng = Rng.stream(9, "mask");
  let masks = initMasks(uniformDensities(SHAPES, 0.6), SHAPES, maskRng);
  const counts = new Map([...masks].map(([n, m]) => [n, countActive(m)]));
  for (const [n, s] of SHAPES) assert.equal(counts.get(n), Math.round(0.6 * numel(s)));
  const params = new Map<string, tf.Variable>();
  for (const [n, s] of SHAPES) {
    const w = new Float32Array(numel(s));
    for (let i = 0; i < w.length; i++) w[i] = rng.normal();
    params.set(n, tf.variable(tf.tensor(w, s)));
  }
  let dev = maskTensors(masks, SHAPES);
  applyMasks(params, dev);
  let changed = 0;
  for (let step = u; step <= T; step += u) {
    // "training": every weight moves (dense gradients), then the masks are applied again
    for (const [n, p] of params) {
      const noise = new Float32Array(p.size);
      for (let i = 0; i < noise.length; i++) noise[i] = 0.1 * rng.normal();
      tf.tidy(() => p.assign(tf.add(p, tf.tensor(noise, p.shape))));
      void n;
    }
    applyMasks(params, dev);
    const weights = new Map([...params].map(([n, p]) => [n, p.dataSync() as Float32Array]));
    const rate = pruneRate(step, { initial: 0.5, totalSteps: T });
    const r = pruneAndGrow(masks, weights, { rate, growth: "random", rng: maskRng });
    for (const [n, m] of r.masks) {
      assert.equal(countActive(m), counts.get(n), `${n} at step ${step}`);
      if (m.some((v, i) => v !== masks.get(n)![i])) changed++;
    }
    masks = r.masks;
    for (const t of dev.values()) t.dispose();
    dev = maskTensors(masks, SHAPES);
    applyMasks(params, dev);
    // pruned weights are zero after the mask application
    for (const [n, p] of params) {
      const w = p.dataSync();
      const m = masks.get(n)!;
      for (let i = 0; i < w.length; i++) if (m[i] === 0) assert.ok(w[i] === 0);
    }
  }
  assert.ok(changed > 0, "the topology never changed");
  for (const t of dev.values()) t.dispose();
  for (const p of params.values()) p.dispose();
});

Deno.test("after an update, new weights are 0 and pruned-then-regrown weights keep their value", () => {
  const shapes = new Map([["w", [20, 20]]]);
  const rng = Rng.stream(2, "test");
  const masks = initMasks(new Map([["w", 0.5]]), shapes, Rng.stream(2, "mask"));
  const host = randomWeights(masks, rng).get("w")!;
  const p = tf.variable(tf.tensor(host, [20, 20]));
  // rate 1: every active weight is pruned, so some are regrown in place with random growth
  const r = pruneAndGrow(masks, new Map([["w", host]]), {
    rate: 1,
    growth: "random",
    rng: Rng.stream(2, "mask"),
  });
  assert.ok(r.stats.get("w")!.regrown > 0);
  const dev = maskTensors(r.masks, shapes);
  applyMasks(new Map([["w", p]]), dev);
  const after = p.dataSync();
  const before = masks.get("w")!, now = r.masks.get("w")!;
  for (let i = 0; i < 400; i++) {
    if (now[i] === 1 && before[i] === 1) assert.equal(after[i], host[i]);
    else assert.ok(after[i] === 0);
  }
  dev.get("w")!.dispose();
  p.dispose();
});

Deno.test("pruneAndGrow() is deterministic under a fixed seed", () => {
  const masks = initMasks(uniformDensities(SHAPES, 0.6), SHAPES, Rng.stream(1, "mask"));
  const weights = randomWeights(masks, Rng.stream(1, "w"));
  const run = (seed: number) =>
    pruneAndGrow(masks, weights, { rate: 0.3, growth: "random", rng: Rng.stream(seed, "mask") });
  assert.deepEqual(run(1).masks, run(1).masks);
  assert.notDeepEqual(run(1).masks, run(2).masks);
  assert.throws(() => growthStrategy("momentum"), ConfigError);
});
