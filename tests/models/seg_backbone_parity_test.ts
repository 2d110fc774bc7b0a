// Parity of the segmentation backbone with the official SLaK `segmentation/slak.py` on the fixture
// of tools/make_seg_fixture.py: features of an ImageNet checkpoint loaded the official way
// (classifier norm/head dropped, norm0..3 at their init, sparse masks from the checkpoint's zeros)
// and of a whole mmseg-style segmentor checkpoint (relative error < 1e-4 per output).
import assert from "node:assert/strict";
import { toFloat32 } from "../../lib/io/mod.ts";
import { readWeightsFile } from "../../lib/models/mod.ts";
import {
  backboneFeatures,
  buildSegModel,
  disposeSegModel,
  loadBackboneCheckpoint,
  loadSegStateDict,
  masksFromZeros,
  type SegModel,
} from "../../lib/models/segmentation/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { DataError } from "../../lib/util/errors.ts";
import {
  FIXTURE,
  fixtureConfig,
  nchwValues,
  nhwc,
  npy,
  relError,
  SEG_DIR,
} from "./_seg_fixture.ts";

await initBackend("cpu");

async function checkFeatures(model: SegModel, prefix: string): Promise<void> {
  const x = await nhwc("input.npy");
  const feats = backboneFeatures(model.backbone, x, model.config.outIndices, { training: false });
  try {
    assert.equal(feats.length, 4);
    for (let i = 0; i < 4; i++) {
      const ref = await npy(`${prefix}${i}.npy`);
      const [n, c, h, w] = ref.shape;
      assert.deepEqual(feats[i]!.shape, [n, h, w, c], `stage ${i} shape`);
      const err = relError(await nchwValues(feats[i]!), toFloat32(ref));
      assert.ok(err < 1e-4, `stage ${i}: relative error ${err}`);
    }
  } finally {
    tf.dispose([x, ...feats]);
  }
}

Deno.test("seg backbone: ImageNet checkpoint loads as the official init_weights (sparse)", async () => {
  const weights = await readWeightsFile(`${SEG_DIR}imagenet.pth`);
  const model = buildSegModel(fixtureConfig(), { seed: 3 });
  try {
    const report = loadBackboneCheckpoint(model, weights.state, "imagenet.pth");
    assert.deepEqual(report.dropped.sort(), [...FIXTURE.imagenetLoad.unexpected].sort());
    assert.deepEqual(report.initialised.sort(), [...FIXTURE.imagenetLoad.missing].sort());
    await checkFeatures(model, "pretrained_feat");
    const masks = await masksFromZeros(model.backbone);
    const ones = Object.fromEntries(
      [...masks].map(([k, m]) => [k, m.reduce((a, b) => a + b, 0)]),
    );
    assert.deepEqual(ones, FIXTURE.maskOnes);
  } finally {
    disposeSegModel(model);
  }
});

Deno.test("seg backbone: a segmentor checkpoint gives the official features", async () => {
  const weights = await readWeightsFile(`${SEG_DIR}segmentor.pth`);
  const model = buildSegModel(fixtureConfig(), { zeros: true });
  try {
    loadSegStateDict(model, weights.state, "segmentor.pth");
    await checkFeatures(model, "feat");
  } finally {
    disposeSegModel(model);
  }
});

Deno.test("seg backbone: the backbone of a segmentor checkpoint (norm0..3 included)", async () => {
  const weights = await readWeightsFile(`${SEG_DIR}segmentor.pth`);
  const model = buildSegModel(fixtureConfig(), { seed: 1 });
  try {
    const report = loadBackboneCheckpoint(model, weights.state, "segmentor.pth");
    assert.deepEqual(report.initialised, []);
    assert.ok(report.dropped.length > 0);
    assert.ok(report.dropped.every((k) => /^(decode_head|auxiliary_head)\./.test(k)));
    await checkFeatures(model, "feat");
  } finally {
    disposeSegModel(model);
  }
});

Deno.test("seg backbone: ill-fitting checkpoints are DataErrors naming the file", async () => {
  const weights = await readWeightsFile(`${SEG_DIR}imagenet.pth`);
  const model = buildSegModel(fixtureConfig(), { zeros: true });
  try {
    const extra = new Map(weights.state);
    extra.set("stages.9.0.gamma", weights.state.get("stages.0.0.gamma")!);
    assert.throws(
      () => loadBackboneCheckpoint(model, extra, "x.pth"),
      (e) => e instanceof DataError && /x\.pth.*stages\.9\.0\.gamma/.test(e.message),
    );
    const missing = new Map(weights.state);
    missing.delete("stages.1.0.pwconv1.weight");
    assert.throws(
      () => loadBackboneCheckpoint(model, missing, "y.pth"),
      (e) => e instanceof DataError && /y\.pth.*missing keys.*pwconv1/.test(e.message),
    );
    const wrongShape = new Map(weights.state);
    wrongShape.set("stages.1.0.pwconv1.weight", weights.state.get("stages.0.0.pwconv1.weight")!);
    assert.throws(() => loadBackboneCheckpoint(model, wrongShape, "z.pth"), DataError);
  } finally {
    disposeSegModel(model);
  }
});
