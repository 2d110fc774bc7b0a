import assert from "node:assert/strict";
import { selectKth, smallestPositions } from "../../lib/sparse/_select.ts";
import { Rng } from "../../lib/util/rng.ts";

function randomKeys(n: number, rng: Rng, levels = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = levels > 0 ? rng.int(levels) : rng.normal();
  return a;
}

Deno.test("selectKth() equals the k-th element of the sorted array, with and without duplicates", () => {
  const rng = Rng.stream(1, "test");
  for (const levels of [0, 3, 1000]) {
    for (const n of [1, 2, 7, 100, 1001]) {
      const a = randomKeys(n, rng, levels);
      const sorted = a.slice().sort();
      for (const k of [0, n >> 1, n - 1]) assert.equal(selectKth(a.slice(), k), sorted[k]);
    }
  }
});

Deno.test("smallestPositions() picks the smallest keys, ties to the lower position", () => {
  const keys = new Float32Array([5, 1, 3, 1, 3, 3, 0]);
  assert.deepEqual([...smallestPositions(keys, 0)], []);
  assert.deepEqual([...smallestPositions(keys, 1)], [6]);
  assert.deepEqual([...smallestPositions(keys, 3)], [1, 3, 6]);
  // three 3s compete for two places: positions 2 and 4 win over 5
  assert.deepEqual([...smallestPositions(keys, 5)], [1, 2, 3, 4, 6]);
  assert.deepEqual([...smallestPositions(keys, 7)], [0, 1, 2, 3, 4, 5, 6]);
  // NaN never goes first
  assert.deepEqual([...smallestPositions(new Float32Array([NaN, 2, 1]), 2)], [1, 2]);
});

Deno.test("smallestPositions() agrees with a stable sort on random keys", () => {
  const rng = Rng.stream(2, "test");
  for (const levels of [0, 4]) {
    const keys = randomKeys(500, rng, levels);
    const order = [...keys.keys()].sort((i, j) => keys[i]! - keys[j]! || i - j);
    for (const count of [1, 37, 250, 499]) {
      const want = order.slice(0, count).sort((a, b) => a - b);
      assert.deepEqual([...smallestPositions(keys, count)], want);
    }
  }
});
