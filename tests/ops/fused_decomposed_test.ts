import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { type DepthwiseOptions, fusedDecomposedDepthwise, initBackend } from "../../lib/ops/mod.ts";
import { requireWebGpu } from "../_webgpu.ts";
import { programsRun } from "./_programs.ts";
import { assertClose } from "./_shapes.ts";

/** [n, h, w, c, M, N]: kTall M x N, kWide N x M. */
const FUSED_CASES: [number, number, number, number, number, number][] = [
  [2, 9, 11, 3, 13, 3],
  [1, 14, 14, 37, 51, 5],
  [3, 7, 7, 8, 13, 5],
  [1, 5, 70, 4, 7, 3],
];

async function checkFused(backend: "cpu" | "webgpu", opts: DepthwiseOptions = {}) {
  for (const [i, [n, h, w, c, m, k]] of FUSED_CASES.entries()) {
    await tf.setBackend("cpu");
    const seed = 300 + 5 * i;
    const x = tf.randomNormal([n, h, w, c], 0, 1, "float32", seed) as tf.Tensor4D;
    const kTall = tf.randomNormal([m, k, c, 1], 0, 1, "float32", seed + 1) as tf.Tensor4D;
    const kWide = tf.randomNormal([k, m, c, 1], 0, 1, "float32", seed + 2) as tf.Tensor4D;
    const bias = tf.randomNormal([c], 0, 1, "float32", seed + 3) as tf.Tensor1D;
    const want = tf.tidy(() =>
      tf.depthwiseConv2d(x, kTall, 1, "same").add(tf.depthwiseConv2d(x, kWide, 1, "same")).add(
        bias,
      )
    );
    const wantData = await want.data();
    await tf.setBackend(backend);
    const got = fusedDecomposedDepthwise(x, kTall, kWide, bias, opts);
    const label = `${backend} ${opts.family ?? "auto"} fused x[${[n, h, w, c]}] ${m}x${k}`;
    assertClose(await got.data(), wantData, label);
    tf.dispose([x, kTall, kWide, bias, want, got]);
  }
}

Deno.test("fusedDecomposedDepthwise() equals two tfjs convs plus bias on cpu", async () => {
  await initBackend("cpu");
  await checkFused("cpu");
});

Deno.test("fusedDecomposedDepthwise() equals two tfjs convs plus bias on webgpu", async () => {
  if (!(await requireWebGpu("fused decomposed webgpu parity"))) return;
  await initBackend("webgpu");
  await checkFused("webgpu");
});

Deno.test("fusedDecomposedDepthwise() single-pass tile program matches on webgpu", async () => {
  if (!(await requireWebGpu("fused decomposed webgpu tile program"))) return;
  await initBackend("webgpu");
  await checkFused("webgpu", { family: "tile" });
});

Deno.test("fusedDecomposedDepthwise() runs the program family it is given", async () => {
  if (!(await requireWebGpu("fused decomposed webgpu program family"))) return;
  await initBackend("webgpu");
  const x = tf.randomNormal([1, 9, 11, 4], 0, 1, "float32", 1) as tf.Tensor4D;
  const kTall = tf.randomNormal([13, 3, 4, 1], 0, 1, "float32", 2) as tf.Tensor4D;
  const kWide = tf.randomNormal([3, 13, 4, 1], 0, 1, "float32", 3) as tf.Tensor4D;
  const bias = tf.randomNormal([4], 0, 1, "float32", 4) as tf.Tensor1D;
  const run = (opts: DepthwiseOptions) =>
    programsRun(() => fusedDecomposedDepthwise(x, kTall, kWide, bias, opts).dispose());
  assert.deepEqual(run({ family: "tile" }).map((k) => k.split("_")[0]), ["slakFusedDecomposed"]);
  assert.deepEqual(run({ family: "line" }).map((k) => k.split("_")[0]), [
    "slakDwLine",
    "slakDwLine",
  ]);
  tf.dispose([x, kTall, kWide, bias]);
  await initBackend("cpu");
});
