// The merged forward folds layer scale into pwconv2 and reuses packed weight panels: with
// non-zero pwconv biases and large γ its logits must still equal the unmerged model's, repeated
// calls must be bit-identical, and disposing the merged model must free the folded tensors.
import assert from "node:assert/strict";
import {
  disposeMergedModel,
  disposeModel,
  forward,
  forwardMerged,
  reparameterize,
} from "../../lib/models/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { packedOperandStats } from "../../lib/ops/matmul/mod.ts";
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/util/rng.ts";
import { nonTrivialModel, relError, tinyConfig } from "../analysis/_helpers.ts";

await initBackend("cpu");

Deno.test("forwardMerged() with folded layer scale keeps the logits; repeat calls identical", async () => {
  const m = nonTrivialModel(tinyConfig());
  const rng = Rng.stream(5, "merged-forward-test");
  for (const [k, v] of m.params) {
    if (!/pwconv[12]\.bias$/.test(k)) continue;
    v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => rng.uniform() - 0.5), v.shape));
  }
  const gammas = [...m.params.keys()].filter((k) => k.endsWith(".gamma"));
  assert.ok(gammas.length > 0, "the model has layer scale");
  const x = tf.randomNormal([2, 64, 64, 3], 0, 1, "float32", 3) as tf.Tensor4D;
  const ref = await forward(m, x, { training: false }).data();
  const before = tf.memory().numTensors;
  const merged = await reparameterize(m, "two-kernels");
  const y1 = forwardMerged(merged, x);
  const first = await y1.data() as Float32Array;
  const err = relError(first, ref);
  assert.ok(err < 1e-5, `relative error ${err}`);
  const hits = packedOperandStats().hits;
  const y2 = forwardMerged(merged, x);
  const again = await y2.data() as Float32Array;
  assert.deepEqual(Array.from(again), Array.from(first));
  assert.ok(packedOperandStats().hits > hits, "the second forward reuses packed weights");
  y1.dispose();
  y2.dispose();
  disposeMergedModel(merged);
  assert.equal(tf.memory().numTensors, before, "disposeMergedModel frees every tensor");
  disposeModel(m);
  x.dispose();
});
