import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { AdamW, decays } from "../../lib/train/adamw.ts";
import { initBackend } from "../../lib/ops/mod.ts";

await initBackend("cpu");

/** PyTorch AdamW by hand, in float64, for one element. */
function handAdamW(
  p: number,
  g: number,
  lr: number,
  wd: number,
  t: number,
  m0 = 0,
  v0 = 0,
): number {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let x = p * (1 - lr * wd);
  const m = b1 * m0 + (1 - b1) * g;
  const v = b2 * v0 + (1 - b2) * g * g;
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  x -= (lr / bc1) * m / (Math.sqrt(v) / Math.sqrt(bc2) + eps);
  return x;
}

Deno.test("decays() skips 1-D parameters and biases, as the official parameter groups", () => {
  assert.equal(decays("stages.0.0.pwconv1.weight", [8, 32]), true);
  assert.equal(decays("downsample_layers.0.0.weight", [4, 4, 1, 8]), true);
  assert.equal(decays("stages.0.0.pwconv1.bias", [32]), false);
  assert.equal(decays("stages.0.0.gamma", [8]), false);
  assert.equal(decays("norm.weight", [8]), false);
  assert.equal(decays("weird.bias", [2, 2]), false);
});

Deno.test("AdamW.step() matches a hand computation, with decay only on 2-D weights", () => {
  const wv = [0.5, -1.25, 2, 0.03];
  const gv = [0.1, -0.4, 0.02, 3];
  const bv = [0.7, -0.2];
  const gb = [0.5, -0.05];
  const params = new Map<string, tf.Variable>([
    ["fc.weight", tf.variable(tf.tensor2d(wv, [2, 2]))],
    ["fc.bias", tf.variable(tf.tensor1d(bv))],
  ]);
  const opt = new AdamW(params, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 });
  const lr = 0.01;
  opt.step(
    params,
    new Map<string, tf.Tensor>([
      ["fc.weight", tf.tensor2d(gv, [2, 2])],
      ["fc.bias", tf.tensor1d(gb)],
    ]),
    lr,
  );
  const w = params.get("fc.weight")!.dataSync();
  const b = params.get("fc.bias")!.dataSync();
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(w[i]! - handAdamW(wv[i]!, gv[i]!, lr, 0.05, 1)) < 1e-6, `w[${i}]`);
  }
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(b[i]! - handAdamW(bv[i]!, gb[i]!, lr, 0, 1)) < 1e-6, `b[${i}]`);
  }
  // a second step uses the moments and t = 2
  const w1 = Array.from(w);
  opt.step(params, new Map([["fc.weight", tf.tensor2d(gv, [2, 2])]]), lr);
  const w2 = params.get("fc.weight")!.dataSync();
  for (let i = 0; i < 4; i++) {
    const m1 = 0.1 * gv[i]!;
    const v1 = 0.001 * gv[i]! * gv[i]!;
    const want = handAdamW(w1[i]!, gv[i]!, lr, 0.05, 2, m1, v1);
    assert.ok(Math.abs(w2[i]! - want) < 1e-6, `step 2 w[${i}]: ${w2[i]} vs ${want}`);
  }
  assert.equal(opt.t, 2);
  // the bias had no gradient in step 2: untouched
  assert.deepEqual(Array.from(params.get("fc.bias")!.dataSync()), Array.from(b));
  opt.dispose();
  params.forEach((v) => v.dispose());
});
