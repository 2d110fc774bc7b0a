import assert from "node:assert/strict";
import {
  MIN_UPDATE_INTERVAL,
  PAPER_TOTAL_STEPS,
  scaledUpdateInterval,
} from "../../lib/sparse/mod.ts";

Deno.test("scaledUpdateInterval(): the paper's own run keeps u; shorter runs rescale it", () => {
  assert.equal(PAPER_TOTAL_STEPS, 120 * 312);
  for (const u of [100, 1000, 2000]) assert.equal(scaledUpdateInterval(u, PAPER_TOTAL_STEPS), u);
  // the small proxy (6 epochs × 63 steps): 18.7 updates of u = 2000 → 20 steps apart
  assert.equal(scaledUpdateInterval(2000, 378), 20);
  assert.equal(scaledUpdateInterval(1000, 378), 10);
  // twice the paper's length: twice the interval (the floor does not matter)
  assert.equal(scaledUpdateInterval(100, 2 * PAPER_TOTAL_STEPS), 200);
});

Deno.test("scaledUpdateInterval(): the floor u_min = 10 at and around its boundary", () => {
  assert.equal(MIN_UPDATE_INTERVAL, 10);
  // u = 100 → 1 by the rescaling alone at 378 steps; the floor gives 10
  assert.equal(scaledUpdateInterval(100, 378), 10);
  // T' = 3744 is where u = 100 reaches the floor by itself: 100·3744/37440 = 10 exactly
  assert.equal(scaledUpdateInterval(100, 3744), 10);
  assert.equal(scaledUpdateInterval(100, 3931), 10); // 10.499… rounds to 10
  assert.equal(scaledUpdateInterval(100, 3932), 11); // 10.502… rounds to 11
  assert.equal(scaledUpdateInterval(100, 3556), 10); // 9.497… → 9 → floor 10
  // every interval is at least the floor, even for one-step runs
  for (const t of [1, 2, 9, 10, 11, 100, 377, 378, 379]) {
    for (const u of [1, 100, 1000, 2000]) {
      const v = scaledUpdateInterval(u, t);
      assert.ok(v >= 10, `u ${u}, T' ${t}: ${v}`);
      assert.equal(v, Math.max(10, Math.round(u * t / PAPER_TOTAL_STEPS)));
    }
  }
  // monotone in T' and in u
  let prev = 0;
  for (let t = 1; t <= 10000; t += 7) {
    const v = scaledUpdateInterval(2000, t);
    assert.ok(v >= prev);
    prev = v;
  }
  // a caller may state another floor or run length
  assert.equal(scaledUpdateInterval(100, 378, { min: 1 }), 1);
  assert.equal(scaledUpdateInterval(100, 50, { paperSteps: 100 }), 50);
});

Deno.test("scaledUpdateInterval(): rejects non-integer or non-positive inputs", () => {
  for (const [u, t] of [[0, 378], [100, 0], [1.5, 378], [100, 37.5], [NaN, 378], [-100, 378]]) {
    assert.throws(() => scaledUpdateInterval(u!, t!), RangeError, `${u}, ${t}`);
  }
  assert.throws(() => scaledUpdateInterval(100, 378, { min: 0 }), RangeError);
  assert.throws(() => scaledUpdateInterval(100, 378, { paperSteps: 0 }), RangeError);
});
