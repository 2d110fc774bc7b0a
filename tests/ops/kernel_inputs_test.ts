// kernelInputs() hands a kernel its named inputs and names the kernel and input when one is
// missing; the fused decomposed kernel reports a call without its bias that way.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { kernelInputs } from "../../lib/ops/kernel_inputs.ts";
import { initBackend, SLAK_FUSED_DECOMPOSED } from "../../lib/ops/mod.ts";

const info = (shape: number[]): tf.TensorInfo => ({ dataId: {}, shape, dtype: "float32" });

Deno.test("kernelInputs() returns the named inputs and names a missing one", () => {
  const x = info([1, 2]);
  const w = info([2]);
  const got = kernelInputs("K", { x, w, extra: info([3]) }, ["x", "w"] as const);
  assert.equal(got.x, x);
  assert.equal(got.w, w);
  assert.deepEqual(Object.keys(got), ["x", "w"]);
  assert.throws(
    () => kernelInputs("K", { x }, ["x", "w"]),
    /^Error: K: missing input "w" \(got: x\)$/,
  );
  assert.throws(() => kernelInputs("K", {}, ["x"]), /K: missing input "x" \(got: none\)/);
});

Deno.test("the fused decomposed cpu kernel names a missing input", async () => {
  await initBackend("cpu");
  const x = tf.zeros([1, 5, 5, 2]);
  const kTall = tf.zeros([5, 3, 2, 1]);
  const kWide = tf.zeros([3, 5, 2, 1]);
  try {
    assert.throws(
      () => tf.engine().runKernel(SLAK_FUSED_DECOMPOSED, { x, kTall, kWide }, {}),
      /SlakFusedDecomposedDepthwise: missing input "bias"/,
    );
  } finally {
    tf.dispose([x, kTall, kWide]);
  }
});
