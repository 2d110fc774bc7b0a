import assert from "node:assert/strict";
import { FINAL_PRUNE_RATE, isUpdateStep, pruneRate, updateSteps } from "../../lib/sparse/mod.ts";

/** PyTorch's chainable CosineAnnealingLR recursion (what the official CosineDecay wraps). */
function torchCosineAnnealing(
  base: number,
  tMax: number,
  etaMin: number,
  epochs: number,
): number[] {
  const out = [base];
  let lr = base;
  for (let e = 1; e <= epochs; e++) {
    if ((e - 1 - tMax) % (2 * tMax) === 0) {
      lr = lr + (base - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
    } else {
      lr = (1 + Math.cos(Math.PI * e / tMax)) / (1 + Math.cos(Math.PI * (e - 1) / tMax)) *
          (lr - etaMin) + etaMin;
    }
    out.push(lr);
  }
  return out;
}

Deno.test("pruneRate() decays from p0 to 0.005 by a cosine, monotonically", () => {
  const s = { initial: 0.5, totalSteps: 1000 };
  assert.equal(pruneRate(0, s), 0.5);
  assert.ok(Math.abs(pruneRate(1000, s) - FINAL_PRUNE_RATE) < 1e-15);
  assert.ok(Math.abs(pruneRate(500, s) - (0.5 + 0.005) / 2) < 1e-15);
  for (let t = 1; t <= 1000; t++) assert.ok(pruneRate(t, s) < pruneRate(t - 1, s));
  assert.equal(pruneRate(1000, { ...s, final: 0.1 }), 0.1);
  assert.throws(() => pruneRate(-1, s), RangeError);
});

Deno.test("pruneRate(s) is what the official stepping gives the update after optimizer step s", () => {
  // Official Masking.step(): optimizer step, apply mask, CosineDecay.step(), steps += 1, then
  // prune/grow if steps % u == 0 with the decayed rate.
  const p0 = 0.3, T = 600, u = 100;
  const lrs = torchCosineAnnealing(p0, T, 0.005, T);
  const seen: [number, number][] = [];
  let epoch = 0, steps = 0;
  for (let batch = 0; batch < T; batch++) {
    epoch += 1; // decay.step()
    const rate = lrs[epoch]!;
    steps += 1;
    if (steps % u === 0) seen.push([steps, rate]);
  }
  assert.deepEqual(seen.map(([s]) => s), updateSteps(u, T));
  for (const [s, rate] of seen) {
    assert.ok(isUpdateStep(s, u, T));
    assert.ok(Math.abs(pruneRate(s, { initial: p0, totalSteps: T }) - rate) < 1e-12, `step ${s}`);
  }
  // the first update does not see p0 itself
  assert.ok(seen[0]![1] < p0);
});

Deno.test("isUpdateStep() every u steps from u on, the last step included, none when fixed", () => {
  const hits = (u: number | null, T: number) =>
    Array.from({ length: T + 2 }, (_, s) => s).filter((s) => isUpdateStep(s, u, T));
  assert.deepEqual(hits(5, 10), [5, 10]);
  assert.deepEqual(hits(5, 12), [5, 10]);
  assert.deepEqual(hits(1, 3), [1, 2, 3]);
  assert.deepEqual(hits(null, 10), []);
  assert.deepEqual(hits(0, 10), []);
  assert.equal(isUpdateStep(0, 5, 10), false);
  assert.equal(isUpdateStep(15, 5, 10), false);
  assert.throws(() => isUpdateStep(5, 2.5, 10), RangeError);
  // ImageNet SLaK-T, 300 epochs at batch 4096: 46 topology updates (spec §2.5)
  assert.equal(updateSteps(2000, 312 * 300).length, 46);
});
