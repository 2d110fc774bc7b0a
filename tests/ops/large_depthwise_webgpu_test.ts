import { initBackend, setDepthwiseProgramFamily } from "../../lib/ops/mod.ts";
import { requireWebGpu } from "../_webgpu.ts";
import { checkAllCases, checkGrads } from "./_run_cases.ts";

Deno.test("largeKernelDepthwiseConv2d() forward, dx and dW match tfjs cpu on webgpu", async () => {
  if (!(await requireWebGpu("large depthwise webgpu parity"))) return;
  await initBackend("webgpu");
  await checkAllCases("webgpu");
});

Deno.test("the tile (sliding-window) WebGPU programs also match tfjs cpu on every case", async () => {
  if (!(await requireWebGpu("large depthwise webgpu tile programs"))) return;
  await initBackend("webgpu");
  setDepthwiseProgramFamily("tile");
  try {
    await checkAllCases("webgpu");
  } finally {
    setDepthwiseProgramFamily("auto");
  }
});

Deno.test("largeKernelDepthwiseConv2d() is differentiable through tf.grads on webgpu", async () => {
  if (!(await requireWebGpu("large depthwise webgpu tf.grads"))) return;
  await initBackend("webgpu");
  await checkGrads("webgpu");
});
