import { initBackend } from "../../lib/ops/mod.ts";
import { checkAllCases, checkGrads } from "./_run_cases.ts";

Deno.test("largeKernelDepthwiseConv2d() forward, dx and dW match tfjs on the cpu backend", async () => {
  await initBackend("cpu");
  await checkAllCases("cpu");
});

Deno.test("largeKernelDepthwiseConv2d() is differentiable through tf.grads on cpu", async () => {
  await initBackend("cpu");
  await checkGrads("cpu");
});
