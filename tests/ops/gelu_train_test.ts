// The training forward of GELU ("SlakGeluTrain": GELU and GELU′ in one pass, the slope kept for a
// one-multiply backward) must give the inference kernel's GELU bits and the backward kernel's
// GELU′ bits, be what runs under a gradient tape (and only there), and its gradient must match
// the old fused backward within two float32 ulps (the slope is rounded once more) and tfjs's composite GELU within tolerance.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { geluExact, initBackend, useFusedCpuOps } from "../../lib/ops/mod.ts";
import { mulSlope, SLAK_GELU_GRAD } from "../../lib/ops/gelu/mod.ts";
import { geluGradWasm, geluTrainWasm, geluWasm } from "../../lib/ops/gelu/wasm_gelu.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

function sample(n: number, seed: number, spread: number): Float32Array {
  const rng = Rng.stream(seed, "gelu-train");
  return Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * spread);
}

function bits(a: Float32Array): number[] {
  return [...new Uint32Array(a.slice().buffer)];
}

Deno.test("geluTrainWasm: GELU bits of geluWasm and GELU′ bits of geluGradWasm", () => {
  const xs = sample(4099, 1, 16);
  xs.set([0, -0, 1e-38, -1e-38, 40, -40, Infinity, -Infinity], 0);
  const both = geluTrainWasm(xs);
  if (both === null) return; // no WebAssembly SIMD here: the scalar path is tested below
  const [y, slope] = both;
  assert.equal(y.length, xs.length);
  assert.deepEqual(bits(y), bits(geluWasm(xs)!));
  assert.deepEqual(bits(slope), bits(geluGradWasm(xs, new Float32Array(xs.length).fill(1))!));
});

Deno.test("under a tape GELU runs SlakGeluTrain and SlakGeluSlopeGrad; without, SlakGelu", async () => {
  const x = tf.tensor2d(sample(6 * 37, 2, 5), [6, 37]);
  const dy = tf.tensor2d(sample(6 * 37, 3, 2), [6, 37]);
  try {
    const grad = tf.grad((t: tf.Tensor) => geluExact(t));
    const train = await tf.profile(() => grad(x, dy));
    const names = train.kernelNames;
    assert.ok(names.includes("SlakGeluTrain"), names.join(","));
    assert.ok(names.includes("SlakGeluSlopeGrad"), names.join(","));
    assert.ok(!names.includes("SlakGeluGrad") && !names.includes("SlakGelu"), names.join(","));
    const infer = await tf.profile(() => geluExact(x));
    assert.deepEqual(infer.kernelNames, ["SlakGelu"]);
  } finally {
    tf.dispose([x, dy]);
  }
});

Deno.test("GELU gradient: old fused backward within 2 float32 ulps, tfjs composite within 1e-6", () => {
  const xv = sample(5 * 64, 4, 8);
  const dv = sample(5 * 64, 5, 3);
  const x = tf.tensor2d(xv, [5, 64]);
  const dy = tf.tensor2d(dv, [5, 64]);
  try {
    const ours = tf.grad((t: tf.Tensor) => geluExact(t))(x, dy);
    const o = ours.dataSync() as Float32Array;
    const old = tf.engine().runKernel(SLAK_GELU_GRAD, { x, dy } as unknown as tf.NamedTensorMap);
    const ov = (old as tf.Tensor).dataSync() as Float32Array;
    const [, slope] = geluTrainWasm(xv) ?? [null, null];
    if (slope !== null) assert.deepEqual(bits(o), bits(mulSlope(dv, slope)), "dy · slope");
    for (let i = 0; i < o.length; i++) {
      assert.ok(
        Math.abs(o[i]! - ov[i]!) <= 2 ** -22 * Math.abs(ov[i]!),
        `${i}: ${o[i]} vs ${ov[i]}`,
      );
    }
    const was = useFusedCpuOps(false);
    let ref: Float32Array;
    try {
      ref = tf.grad((t: tf.Tensor) => geluExact(t))(x, dy).dataSync() as Float32Array;
    } finally {
      useFusedCpuOps(was);
    }
    for (let i = 0; i < o.length; i++) {
      const tol = 1e-6 * Math.abs(dv[i]!) * (1 + Math.abs(xv[i]!)) + 1e-7;
      assert.ok(Math.abs(o[i]! - ref[i]!) <= tol, `${i}: ${o[i]} vs composite ${ref[i]}`);
    }
    tf.dispose([ours, old as tf.Tensor]);
  } finally {
    tf.dispose([x, dy]);
  }
});
