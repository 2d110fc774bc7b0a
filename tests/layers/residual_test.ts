// The residual add with drop path folded in must give the very bits of `x + dropPath(branch)`
// with the same rng draws, and a slak_nano forward/backward with every fused cpu kernel
// (GELU, fused adds, patchify space-to-depth) must match the composite tfjs ops within float32
// tolerance.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend, useFusedCpuOps } from "../../lib/ops/mod.ts";
import { dropPath, dropPathScales, residualDropPath } from "../../lib/layers/mod.ts";
import { buildModel, disposeModel, forward, resolveModelConfig } from "../../lib/models/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

function bits(t: tf.Tensor): number[] {
  return [...new Uint32Array((t.dataSync() as Float32Array).slice().buffer)];
}

Deno.test("residualDropPath() equals x + dropPath(branch) bit for bit, same draws", () => {
  const x = tf.randomNormal([16, 3, 3, 5], 0, 1, "float32", 1);
  const y = tf.randomNormal([16, 3, 3, 5], 0, 2, "float32", 2);
  for (const rate of [0, 0.3, 0.8]) {
    const [a, b] = [Rng.stream(4, "dropout"), Rng.stream(4, "dropout")];
    const ours = residualDropPath(x, y, rate, a);
    const ref = tf.add(x, dropPath(y, rate, b));
    assert.deepEqual(bits(ours), bits(ref), `rate ${rate}`);
    assert.equal(a.uniform(), b.uniform(), `rate ${rate}: the rng streams stay in step`);
  }
  assert.throws(() => residualDropPath(x, y, 0.2, undefined), /needs an rng/);
  assert.equal(dropPathScales(4, 0, Rng.stream(1, "x")), null);
});

interface Pass {
  logits: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
}

/** Eval logits, then a training forward (drop path on) and its gradients, on a fresh model. */
function pass(fused: boolean): Pass {
  const was = useFusedCpuOps(fused);
  const config = resolveModelConfig("slak_nano", { overrides: { dropPath: 0.5 } });
  const model = buildModel(config, { seed: 0 });
  try {
    let out: Pass | null = null;
    tf.tidy(() => {
      const x = tf.randomNormal([3, 32, 32, 3], 0, 1, "float32", 9) as tf.Tensor4D;
      const logits = forward(model, x, { training: false }).dataSync() as Float32Array;
      const names = [...model.params.keys()].filter((n) => model.params.get(n)!.trainable);
      const vars = names.map((n) => model.params.get(n)!);
      const rng = Rng.stream(5, "dropout");
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(forward(model, x, { training: true, rng }))) as tf.Scalar,
        vars,
      );
      out = {
        logits: logits.slice(),
        loss: value.dataSync()[0]!,
        grads: new Map(names.map((n, i) => [n, grads[vars[i]!.name]!.dataSync() as Float32Array])),
      };
    });
    return out!;
  } finally {
    disposeModel(model);
    useFusedCpuOps(was);
  }
}

function assertClose(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol * scale + 1e-30, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

Deno.test("slak_nano forward/backward with the fused cpu kernels matches the tfjs ops", () => {
  const ours = pass(true);
  const ref = pass(false);
  assertClose(ours.logits, ref.logits, 1e-5, "eval logits");
  assert.ok(
    Math.abs(ours.loss - ref.loss) <= 1e-5 * Math.abs(ref.loss),
    `${ours.loss} vs ${ref.loss}`,
  );
  assert.equal(ours.grads.size, ref.grads.size);
  let nonzero = 0;
  for (const [name, g] of ref.grads) {
    assertClose(ours.grads.get(name)!, g, 1e-4, name);
    if (g.some((v) => v !== 0)) nonzero++;
  }
  assert.ok(nonzero > ref.grads.size / 2, "most parameters get a gradient");
});
