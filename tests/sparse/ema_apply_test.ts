import assert from "node:assert/strict";
import { applyMasks, hostValues, maskTensors, sparseEmaUpdate } from "../../lib/sparse/mod.ts";
import { tf } from "../../lib/tf.ts";

await tf.setBackend("cpu");

function close(a: ArrayLike<number>, b: number[], tol = 1e-6): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${i}: ${a[i]} vs ${b[i]}`);
  }
}

Deno.test("applyMasks() multiplies masked weights in place and leaves the others alone", () => {
  const w = tf.variable(tf.tensor([[1, 2], [3, 4]]));
  const b = tf.variable(tf.tensor([5, 6]));
  const params = new Map([["w", w], ["b", b]]);
  const masks = maskTensors(
    new Map([["w", new Uint8Array([1, 0, 0, 1])]]),
    new Map([["w", [2, 2]]]),
  );
  const before = tf.memory().numTensors;
  applyMasks(params, masks);
  assert.equal(tf.memory().numTensors, before); // no leaks
  close(w.dataSync(), [1, 0, 0, 4]);
  close(b.dataSync(), [5, 6]);
  assert.throws(
    () =>
      applyMasks(
        params,
        maskTensors(new Map([["b", new Uint8Array([1, 0])]]), new Map([["b", [1, 2]]])),
      ),
    /shape|\[1,2\]/,
  );
  assert.throws(
    () => maskTensors(new Map([["w", new Uint8Array(3)]]), new Map([["w", [2, 2]]])),
    /elements/,
  );
  w.dispose();
  b.dispose();
});

Deno.test("sparseEmaUpdate() matches the official formula, newly grown weights jump to w", async () => {
  const d = 0.9;
  const ema = new Map([
    ["w", tf.variable(tf.tensor([1, 0, 2, 0, -1, 0]))],
    ["bias", tf.variable(tf.tensor([1, 0]))],
  ]);
  const params = new Map([["w", tf.tensor([3, 5, 4, 7, 2, 0.5])], ["bias", tf.tensor([3, 5])]]);
  const masks = maskTensors(
    new Map([["w", new Uint8Array([1, 1, 0, 0, 1, 0])]]),
    new Map([["w", [6]]]),
  );
  sparseEmaUpdate(ema, params, d, masks);
  const got = await hostValues(ema);
  // w: [active, grown (ema 0 -> w), masked, masked, active, masked]
  close(got.get("w")!, [0.9 * 1 + 0.1 * 3, 5, 0, 0, 0.9 * -1 + 0.1 * 2, 0]);
  // unmasked tensor: plain EMA, zeros stay ordinary
  close(got.get("bias")!, [0.9 * 1 + 0.1 * 3, 0.1 * 5]);
  // a second update: the grown weight now averages normally
  sparseEmaUpdate(ema, params, d, masks);
  close((await hostValues(ema)).get("w")!.subarray(0, 2), [0.9 * 1.2 + 0.1 * 3, 5]);
  // dense run (no masks): plain EMA everywhere
  const e2 = new Map([["w", tf.variable(tf.tensor([0, 2]))]]);
  sparseEmaUpdate(e2, new Map([["w", tf.tensor([4, 4])]]), d);
  close(e2.get("w")!.dataSync(), [0.4, 2.2]);
  assert.throws(() => sparseEmaUpdate(e2, new Map(), d), /no model tensor/);
});
