import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  initBackend,
  registerOps,
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
  SLAK_FUSED_DECOMPOSED,
  SLAK_SPARSE_TAPS,
} from "../../lib/ops/mod.ts";

Deno.test("registerOps() is idempotent and leaves tfjs's own depthwise kernels alone", () => {
  const stock = tf.getKernel("DepthwiseConv2dNative", "cpu");
  registerOps();
  registerOps();
  for (
    const name of [
      SLAK_DEPTHWISE,
      SLAK_DEPTHWISE_BACKPROP_INPUT,
      SLAK_DEPTHWISE_BACKPROP_FILTER,
      SLAK_FUSED_DECOMPOSED,
      SLAK_SPARSE_TAPS,
    ]
  ) {
    assert.ok(tf.getKernel(name, "cpu"), `${name} registered for cpu`);
    assert.ok(tf.getKernel(name, "webgpu"), `${name} registered for webgpu`);
  }
  assert.ok(tf.getGradient(SLAK_DEPTHWISE));
  assert.equal(tf.getKernel("DepthwiseConv2dNative", "cpu"), stock);
});

Deno.test("initBackend('cpu') selects cpu with our kernels registered", async () => {
  assert.equal(await initBackend("cpu"), "cpu");
  assert.equal(tf.getBackend(), "cpu");
  assert.ok(tf.getKernel(SLAK_DEPTHWISE, "cpu"));
});
