// Parity of the UPerHead + auxiliary FCNHead and their loss with a PyTorch reference written from
// mmsegmentation's definitions (tools/make_seg_fixture.py): eval-mode logits of both heads, the
// mmseg cross-entropy (mean over all pixels, ignore index 255), train-mode (BN batch statistics)
// loss and gradients, bilinear resizing / adaptive pooling against F.interpolate /
// AdaptiveAvgPool2d, and the mmseg state_dict names both ways.
import assert from "node:assert/strict";
import { toFloat32 } from "../../lib/io/mod.ts";
import { adaptiveAvgPool, resizeBilinear } from "../../lib/layers/mod.ts";
import { readWeightsFile } from "../../lib/models/mod.ts";
import {
  buildSegModel,
  disposeSegModel,
  disposeSegOutputs,
  exportSegStateDict,
  loadSegStateDict,
  segForward,
  segLogits,
  segLoss,
  type SegModel,
  segTrainableVariables,
} from "../../lib/models/segmentation/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import {
  FIXTURE,
  fixtureConfig,
  labelTensor,
  nchwValues,
  nhwc,
  npy,
  relError,
  SEG_DIR,
} from "./_seg_fixture.ts";

await initBackend("cpu");

async function loaded(dropout?: number): Promise<SegModel> {
  const weights = await readWeightsFile(`${SEG_DIR}segmentor.pth`);
  const model = buildSegModel(fixtureConfig({ dropout }), { zeros: true });
  loadSegStateDict(model, weights.state, "segmentor.pth");
  return model;
}

async function expectClose(x: tf.Tensor4D, file: string): Promise<void> {
  const ref = await npy(file);
  const [n, c, h, w] = ref.shape;
  assert.deepEqual(x.shape, [n, h, w, c], `${file}: shape`);
  const err = relError(await nchwValues(x), toFloat32(ref));
  assert.ok(err < 1e-4, `${file}: relative error ${err}`);
}

Deno.test("resizeBilinear / adaptiveAvgPool match F.interpolate and AdaptiveAvgPool2d", async () => {
  const x = await nhwc("resize_in.npy");
  try {
    for (const [h, w] of FIXTURE.resizeSizes as [number, number][]) {
      const y = resizeBilinear(x, [h, w]);
      await expectClose(y, `resize_${h}x${w}.npy`);
      y.dispose();
    }
    for (const s of FIXTURE.poolScales as number[]) {
      const y = adaptiveAvgPool(x, [s, s]);
      await expectClose(y, `pool_${s}.npy`);
      y.dispose();
    }
  } finally {
    x.dispose();
  }
});

Deno.test("upernet: eval-mode decode and auxiliary logits match the reference", async () => {
  const model = await loaded();
  const x = await nhwc("input.npy");
  const out = segForward(model, x, { training: false, aux: true });
  try {
    await expectClose(out.decode, "decode_logits.npy");
    await expectClose(out.aux!, "aux_logits.npy");
    const logits = segLogits(model, x);
    assert.deepEqual(logits.shape, [x.shape[0], x.shape[1], x.shape[2], FIXTURE.head.numClasses]);
    logits.dispose();
  } finally {
    disposeSegOutputs(out);
    x.dispose();
    disposeSegModel(model);
  }
});

Deno.test("upernet: the loss is mmseg's (mean over all pixels, 255 ignored, aux x 0.4)", async () => {
  const model = await loaded();
  const x = await nhwc("input.npy");
  const labels = await labelTensor();
  const out = segForward(model, x, { training: false, aux: true });
  try {
    const loss = segLoss(model, out, labels);
    const e = FIXTURE.eval;
    const got = { decode: loss.decode.dataSync()[0]!, aux: loss.aux!.dataSync()[0]!, total: 0 };
    got.total = loss.total.dataSync()[0]!;
    assert.ok(Math.abs(got.decode - e.decodeCe) < 1e-4 * e.decodeCe, `decode ${got.decode}`);
    assert.ok(Math.abs(got.aux - e.auxCe) < 1e-4 * e.auxCe, `aux ${got.aux}`);
    assert.ok(Math.abs(got.total - e.total) < 1e-4 * e.total, `total ${got.total}`);
    // the fixture has ignored pixels, so the non-ignored mean is clearly different
    assert.ok(Math.abs(got.decode - e.decodeCeNonIgnoreMean) > 0.1);
    tf.dispose([loss.total, loss.decode, loss.aux!]);
  } finally {
    disposeSegOutputs(out);
    tf.dispose([x, labels]);
    disposeSegModel(model);
  }
});

Deno.test("upernet: train-mode loss and gradients match the reference", async () => {
  const model = await loaded(0); // the reference replaced dropout by identity
  const x = await nhwc("input.npy");
  const labels = await labelTensor();
  const vars = segTrainableVariables(model);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = segForward(model, x, { training: true });
      return segLoss(model, out, labels).total;
    }, [...vars.values()]);
    const total = value.dataSync()[0]!;
    assert.ok(Math.abs(total - FIXTURE.train.total) < 1e-4 * FIXTURE.train.total, `loss ${total}`);
    const byName = new Map([...vars].map(([k, v]) => [v.name, k]));
    const named = new Map(Object.entries(grads).map(([id, g]) => [byName.get(id)!, g]));
    for (const key of FIXTURE.train.gradKeys as string[]) {
      const ref = await npy(`grad_${key.replaceAll(".", "_")}.npy`);
      const g = named.get(key);
      assert.ok(g, `no gradient for ${key}`);
      const spec = [...model.backbone.specs, ...model.heads.specs].find((s) =>
        s.name === key || `backbone.${s.name}` === key
      )!;
      // PyTorch layout → compare in tfjs layout
      const perm = spec.shape.length === 4 ? [2, 3, 1, 0] : undefined;
      const refT = tf.tensor(toFloat32(ref), [...ref.shape]);
      const refTf = perm ? tf.transpose(refT, perm) : refT;
      const err = relError(g.dataSync(), refTf.dataSync());
      assert.ok(err < 1e-4, `${key}: gradient relative error ${err}`);
      tf.dispose([refT, refTf]);
    }
    tf.dispose([value, ...Object.values(grads)]);
  } finally {
    tf.dispose([x, labels]);
    disposeSegModel(model);
  }
});

Deno.test("upernet: mmseg state_dict names and shapes, both ways", async () => {
  const weights = await readWeightsFile(`${SEG_DIR}segmentor.pth`);
  const model = await loaded();
  try {
    const back = await exportSegStateDict(model);
    assert.deepEqual([...back.keys()], Object.keys(FIXTURE.keys));
    for (const [k, shape] of Object.entries(FIXTURE.keys as Record<string, number[]>)) {
      assert.deepEqual(back.get(k)!.shape, shape, k);
      const a = toFloat32(back.get(k)!);
      const b = toFloat32(weights.state.get(k)!);
      assert.deepEqual(Array.from(a), Array.from(b), k);
    }
    assert.ok(back.has("decode_head.lateral_convs.0.conv.weight"));
    assert.ok(back.has("auxiliary_head.convs.0.conv.weight"));
  } finally {
    disposeSegModel(model);
  }
});
