import assert from "node:assert/strict";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import {
  buildModel,
  countModel,
  disposeModel,
  forward,
  MODEL_NAMES,
  paramCount,
  resolveModelConfig,
} from "../../lib/models/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

// Registry-driven: every registered variant, shrunk to a tiny width and depth but keeping its
// kernels, mode, BN and width factor, builds and runs forward and backward.
for (const name of MODEL_NAMES) {
  Deno.test(`buildModel() runs forward and backward for ${name} at a tiny size`, () => {
    const config = resolveModelConfig(name, {
      sets: ["depths=[1,1,1,1]", "dims=[4,8,8,12]", "numClasses=5", "dropPath=0.2"],
    });
    const model = buildModel(config, { seed: 1 });
    try {
      assert.equal(paramCount(model), countModel(config, [64, 64]).params.dense);
      const x = tf.randomNormal([2, 64, 48, 3], 0, 1, "float32", 3) as tf.Tensor4D;
      const y = forward(model, x, { training: false });
      assert.deepEqual(y.shape, [2, 5]);
      assert.ok((y.dataSync() as Float32Array).every(Number.isFinite));
      const rng = Rng.stream(0, "dropout");
      const vars = [...model.params.values()];
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(forward(model, x, { training: true, rng }))) as tf.Scalar,
        vars,
      );
      assert.ok(Number.isFinite(value.dataSync()[0]!));
      assert.equal(Object.keys(grads).length, vars.length);
      for (const v of vars) {
        const g = grads[v.name]!;
        assert.deepEqual(g.shape, v.shape);
        assert.ok((g.dataSync() as Float32Array).every(Number.isFinite), `gradient of ${v.name}`);
      }
      tf.dispose([x, y, value, ...Object.values(grads)]);
    } finally {
      disposeModel(model);
    }
  });
}

Deno.test("forward() in training updates BN running statistics; eval does not", () => {
  const config = resolveModelConfig("slak_nano", {
    sets: ["depths=[1,1,1,1]", "dims=[4,4,4,4]", "dropPath=0"],
  });
  const model = buildModel(config, { seed: 0 });
  const key = "stages.0.0.large_kernel.LoRA1.bn.running_mean";
  const before = Array.from(model.buffers.get(key)!.dataSync());
  const x = tf.randomNormal([2, 64, 64, 3], 0, 1, "float32", 5) as tf.Tensor4D;
  forward(model, x, { training: false }).dispose();
  assert.deepEqual(Array.from(model.buffers.get(key)!.dataSync()), before);
  forward(model, x, { training: true }).dispose();
  const after = Array.from(model.buffers.get(key)!.dataSync());
  assert.notDeepEqual(after, before);
  assert.equal(
    model.buffers.get("stages.0.0.large_kernel.LoRA1.bn.num_batches_tracked")!.dataSync()[0],
    1,
  );
  disposeModel(model);
});

Deno.test("buildModel() initialises as the official code", () => {
  const config = resolveModelConfig("slak_nano", { sets: ["headInitScale=0.5"] });
  const model = buildModel(config, { seed: 7 });
  const w = model.params.get("stages.1.0.pwconv1.weight")!.dataSync() as Float32Array;
  let s = 0, s2 = 0;
  for (const v of w) {
    s += v;
    s2 += v * v;
  }
  const std = Math.sqrt(s2 / w.length - (s / w.length) ** 2);
  assert.ok(Math.abs(std - 0.02) < 0.001, `std ${std}`);
  assert.ok(
    model.params.get("stages.1.0.gamma")!.dataSync().every((v) => Math.abs(v - 1e-6) < 1e-12),
  );
  assert.ok(model.params.get("stages.1.0.pwconv1.bias")!.dataSync().every((v) => v === 0));
  assert.ok(model.params.get("norm.weight")!.dataSync().every((v) => v === 1));
  const head = model.params.get("head.weight")!.dataSync() as Float32Array;
  const hstd = Math.sqrt(head.reduce((a, v) => a + v * v, 0) / head.length);
  assert.ok(Math.abs(hstd - 0.01) < 0.002, `head std ${hstd}`);
  assert.ok(
    model.buffers.get("stages.0.0.large_kernel.LoRA1.bn.running_var")!.dataSync().every((v) =>
      v === 1
    ),
  );
  disposeModel(model);
});

Deno.test("buildModel() is reproducible from the seed", () => {
  const config = resolveModelConfig("convnext_nano");
  const a = buildModel(config, { seed: 3 });
  const b = buildModel(config, { seed: 3 });
  const c = buildModel(config, { seed: 4 });
  const k = "stages.2.0.dwconv.weight";
  assert.deepEqual(a.params.get(k)!.dataSync(), b.params.get(k)!.dataSync());
  assert.notDeepEqual(a.params.get(k)!.dataSync(), c.params.get(k)!.dataSync());
  [a, b, c].forEach(disposeModel);
});
