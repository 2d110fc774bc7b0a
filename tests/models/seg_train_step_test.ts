// Training the segmentation model: gradients reach every trainable tensor, a few optimizer steps on
// a fixed batch lower the pixel loss, and the official sparse fine-tuning keeps the checkpoint's
// zeros at zero (masks rebuilt from the ImageNet checkpoint, applied after every step).
import assert from "node:assert/strict";
import { dropout2d } from "../../lib/layers/mod.ts";
import { readWeightsFile } from "../../lib/models/mod.ts";
import {
  applyBackboneMasks,
  backboneMaskTensors,
  buildSegModel,
  disposeSegModel,
  loadBackboneCheckpoint,
  masksFromZeros,
  segForward,
  segLoss,
  segTrainableVariables,
} from "../../lib/models/segmentation/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/util/rng.ts";
import { fixtureConfig, nhwc, SEG_DIR } from "./_seg_fixture.ts";

/** Blocky labels (16×16 tiles of classes 0..4, one tile ignored): learnable at 1/4 resolution. */
function tileLabels(n: number, h: number, w: number): tf.Tensor3D {
  const v = new Int32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const ty = Math.floor(y / 16);
        const tx = Math.floor(x / 16);
        v[(b * h + y) * w + x] = ty === 0 && tx === 0 ? 255 : (ty * 3 + tx + b) % 5;
      }
    }
  }
  return tf.tensor3d(v, [n, h, w]);
}

await initBackend("cpu");

Deno.test("seg train step: loss falls, every parameter gets a gradient, zeros stay zero", async () => {
  const weights = await readWeightsFile(`${SEG_DIR}imagenet.pth`);
  const model = buildSegModel(fixtureConfig({ dropout: 0 }), { seed: 5 });
  const x = await nhwc("input.npy");
  const labels = tileLabels(x.shape[0], x.shape[1], x.shape[2]);
  const opt = tf.train.adam(1e-2);
  loadBackboneCheckpoint(model, weights.state, "imagenet.pth");
  const masks = await masksFromZeros(model.backbone);
  const maskT = backboneMaskTensors(model.backbone, masks);
  const vars = segTrainableVariables(model);
  const list = [...vars.values()];
  const lossOf = () => segLoss(model, segForward(model, x, { training: true }), labels).total;
  try {
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      const { value, grads } = tf.variableGrads(lossOf, list);
      losses.push(value.dataSync()[0]!);
      if (step === 0) {
        for (const [name, v] of vars) {
          const g = grads[v.name];
          assert.ok(g, `no gradient for ${name}`);
          const norm = tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!);
          assert.ok(Number.isFinite(norm) && norm > 0, `zero gradient for ${name}`);
        }
      }
      opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      applyBackboneMasks(model.backbone, maskT);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const text = `losses ${losses.map((l) => l.toFixed(4))}`;
    assert.ok(losses.every((l, i) => i === 0 || l < losses[i - 1]!), text);
    assert.ok(losses[5]! < 0.92 * losses[0]!, text);
    const after = await masksFromZeros(model.backbone);
    let changed = 0;
    for (const [name, m] of masks) {
      const w = await model.backbone.params.get(name)!.data();
      for (let i = 0; i < m.length; i++) {
        if (m[i] === 0) assert.ok(w[i] === 0, `${name}[${i}] left its mask: ${w[i]}`);
      }
      assert.deepEqual(after.get(name), m, name);
      changed++;
    }
    assert.ok(changed > 10);
  } finally {
    opt.dispose();
    tf.dispose([x, labels, ...maskT.values()]);
    disposeSegModel(model);
  }
});

Deno.test("dropout2d drops whole channels in training and scales the rest", () => {
  const x = tf.ones([2, 3, 4, 8]) as tf.Tensor4D;
  const y = dropout2d(x, 0.5, Rng.stream(1, "dropout"));
  try {
    const v = y.dataSync();
    const planes = new Set<string>();
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < 8; c++) {
        const vals = new Set<number>();
        for (let i = 0; i < 12; i++) vals.add(v[n * 96 + i * 8 + c]!);
        assert.equal(vals.size, 1, "a channel plane is dropped or kept as a whole");
        planes.add(String([...vals][0]));
      }
    }
    assert.deepEqual([...planes].sort(), ["0", "2"]);
  } finally {
    tf.dispose([x, y]);
  }
});
