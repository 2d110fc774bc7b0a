import assert from "node:assert/strict";
import {
  type DepthwiseProgramFamily,
  initBackend,
  largeKernelDepthwiseConv2d,
} from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { requireWebGpu } from "../_webgpu.ts";
import { checkAllCases, checkGrads } from "./_run_cases.ts";
import { programsRun } from "./_programs.ts";
import { caseTensors } from "./_shapes.ts";

Deno.test("largeKernelDepthwiseConv2d() forward, dx and dW match tfjs cpu on webgpu", async () => {
  if (!(await requireWebGpu("large depthwise webgpu parity"))) return;
  await initBackend("webgpu");
  await checkAllCases("webgpu");
});

Deno.test("the tile (sliding-window) WebGPU programs also match tfjs cpu on every case", async () => {
  if (!(await requireWebGpu("large depthwise webgpu tile programs"))) return;
  await initBackend("webgpu");
  await checkAllCases("webgpu", { family: "tile" });
});

Deno.test("largeKernelDepthwiseConv2d() is differentiable through tf.grads on webgpu", async () => {
  if (!(await requireWebGpu("large depthwise webgpu tf.grads"))) return;
  await initBackend("webgpu");
  await checkGrads("webgpu");
});

Deno.test("the family option reaches the forward and both gradient kernels", async () => {
  if (!(await requireWebGpu("large depthwise webgpu program family"))) return;
  await initBackend("webgpu");
  const { x, filter, dy } = caseTensors([2, 9, 7, 6, 11, 5], 901);
  const ours = (a: tf.Tensor4D, b: tf.Tensor4D, family: DepthwiseProgramFamily) =>
    tf.grads((p: tf.Tensor, q: tf.Tensor) =>
      tf.sum(tf.mul(largeKernelDepthwiseConv2d(p as tf.Tensor4D, q as tf.Tensor4D, { family }), dy))
    )([a, b]);
  for (const family of ["tile", "line"] as const) {
    const keys = programsRun(() => tf.dispose(ours(x, filter, family))).filter((k) =>
      k.startsWith("slakDw")
    );
    // forward + dx (conv programs) and dW (partial + reduce)
    const conv = keys.filter((k) => /^slakDw(Fwd|Line|SmallMap)_/.test(k));
    const partial = keys.filter((k) => /^slakDw(FilterPartial|LineFilter|SmallMapFilter)_/.test(k));
    assert.equal(conv.length, 2, `${family}: conv programs ${keys}`);
    assert.equal(partial.length, 1, `${family}: filter programs ${keys}`);
    const tile = [...conv, ...partial].filter((k) => /^slakDw(Fwd|FilterPartial)_/.test(k));
    assert.equal(tile.length, family === "tile" ? 3 : 0, `${family}: ${keys}`);
  }
  tf.dispose([x, filter, dy]);
  await initBackend("cpu");
});
