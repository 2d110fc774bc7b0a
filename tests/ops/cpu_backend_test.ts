// The one cpu-backend view of the ops: isCpuBackend() and the float32 reader every cpu kernel uses.
import assert from "node:assert/strict";
import { cpuBackend, f32, isCpuBackend } from "../../lib/ops/_cpu/backend.ts";
import { geluExact, initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { requireWebGpu } from "../_webgpu.ts";

Deno.test("f32() reads float32 values without a copy and rejects other dtypes", async () => {
  await initBackend("cpu");
  const b = cpuBackend(tf.backend());
  const x = tf.tensor1d([1.5, -2, 3]);
  const v = f32(b, x);
  assert.deepEqual([...v], [1.5, -2, 3]);
  assert.equal(v, b.readSync(x.dataId), "same array as the backend holds");
  const i = tf.tensor1d([1, 2, 3], "int32");
  assert.throws(() => f32(b, i), /expected a float32 tensor, got int32 \[3\]/);
  // and so does a cpu kernel handed an int32 tensor
  assert.throws(() => geluExact(i), /expected a float32 tensor, got int32/);
  tf.dispose([x, i]);
});

Deno.test("isCpuBackend() follows the active backend", async () => {
  await initBackend("cpu");
  assert.equal(isCpuBackend(), true);
  // any other backend is not cpu (a stand-in that tfjs can switch to and back)
  const fake = "slak-test-not-cpu";
  tf.registerBackend(fake, () => ({ dispose() {} }) as unknown as tf.KernelBackend);
  try {
    await tf.setBackend(fake);
    assert.equal(isCpuBackend(), false);
  } finally {
    await tf.setBackend("cpu");
    tf.removeBackend(fake);
  }
  if (!(await requireWebGpu("isCpuBackend on webgpu"))) return;
  try {
    await initBackend("webgpu");
    assert.equal(isCpuBackend(), false);
  } finally {
    await initBackend("cpu");
  }
});
