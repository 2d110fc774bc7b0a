import assert from "node:assert/strict";
import {
  ade20kSegDataset,
  evaluateSegmentation,
  IMAGENET_PIXEL_NORM,
  makeSegDataset,
  normalizeImage,
  openAde20k,
  scaledPipeline,
  SEG_SHAPES_CLASSES,
  type SegPipelineConfig,
  segShapesSet,
  segTestPipeline,
  segTrainPipeline,
  stackSegSamples,
} from "../../../lib/data/segmentation/mod.ts";
import { Rng } from "../../../lib/util/rng.ts";
import { adeLabelValue, ScriptRng, withTempDir, writeAdeTree } from "./_helpers.ts";

function shapesDataset() {
  const set = segShapesSet({ size: 64, style: "filled", seed: 0, sizes: { train: 6, test: 3 } });
  const src = { name: set.name, classNames: SEG_SHAPES_CLASSES, size: set.size, pair: set.pair };
  return { set, ds: makeSegDataset(src, { plain: IMAGENET_PIXEL_NORM }) };
}

Deno.test("segTrainPipeline runs resize → crop → flip → photometric → normalize → pad in order", () => {
  // 8×4 RGB image, ratio range [1, 1] keeps the size; crop 4×4 at column floor(5·0.5) = 2;
  // flip (0.1 < 0.5); photometric all coins 0 (mode 0): brightness, mode, saturation, hue, contrast.
  const w = 8, h = 4;
  const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7) % 256);
  const label = Uint8Array.from({ length: w * h }, (_, i) => i % w);
  const cfg: SegPipelineConfig = {
    ...scaledPipeline(1),
    scale: [8, 4],
    ratioRange: [1, 1],
    crop: [4, 4],
    catMaxRatio: 1,
  };
  const rng = new ScriptRng([0.3, 0, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
  const s = segTrainPipeline(
    {
      image: { width: w, height: h, channels: 3, data },
      label: { width: w, height: h, data: label },
    },
    cfg,
    rng,
  );
  assert.equal(rng.left, 0);
  assert.deepEqual([s.height, s.width], [4, 4]);
  // columns 2..5 flipped: 5, 4, 3, 2 on every row
  assert.deepEqual([...s.label.subarray(0, 4)], [5, 4, 3, 2]);
  const px = (y: number, x: number) =>
    normalizeImage({
      width: 1,
      height: 1,
      channels: 3,
      data: data.slice((y * w + x) * 3, (y * w + x) * 3 + 3),
    }, IMAGENET_PIXEL_NORM);
  assert.deepEqual([...s.image.subarray(0, 3)], [...px(0, 5)]);
  assert.deepEqual([...s.image.subarray((3 * 4 + 3) * 3, (3 * 4 + 3) * 3 + 3)], [...px(3, 2)]);
});

Deno.test("segTrainPipeline pads small crops to the crop size with label 255", () => {
  // 6×4 image, scale (6, 4), ratio 1 → stays 6×4; crop 8×8 → 6×4 → padded to 8×8.
  const img = { width: 6, height: 4, channels: 3, data: new Uint8Array(72).fill(100) };
  const lab = { width: 6, height: 4, data: new Uint8Array(24).fill(3) };
  const cfg = {
    ...scaledPipeline(1),
    scale: [6, 4] as [number, number],
    ratioRange: [1, 1] as [number, number],
    crop: [8, 8] as [number, number],
    photometric: null,
  };
  const s = segTrainPipeline({ image: img, label: lab }, cfg, Rng.stream(0, "t"));
  assert.deepEqual([s.height, s.width], [8, 8]);
  assert.equal(s.label[0], 3);
  assert.equal(s.label[7], 255);
  assert.equal(s.label[63], 255);
  assert.equal(s.image[7 * 3], 0, "image padded with 0 after normalization");
});

Deno.test("segTestPipeline resizes keeping the ratio to (long, short) and normalizes", () => {
  const img = { width: 10, height: 4, channels: 3, data: new Uint8Array(120).fill(124) };
  const t = segTestPipeline(img, { ...scaledPipeline(1), scale: [20, 6] });
  assert.deepEqual([t.width, t.height], [15, 6]); // factor min(20/10, 6/4) = 1.5
  assert.ok(Math.abs(t.image[0]! - (124 - 123.675) / 58.395) < 1e-6);
});

Deno.test("plain seg_shapes dataset: fixed-size train samples stack into NHWC/NHW batches", () => {
  const { set, ds } = shapesDataset();
  assert.equal(ds.numClasses, 4);
  assert.deepEqual(ds.cropSize, [64, 64]);
  const rng = Rng.stream(1, "data");
  const b = stackSegSamples([ds.trainSample(0, rng), ds.trainSample(1, rng)], 3);
  assert.deepEqual([b.n, b.h, b.w, b.c], [2, 64, 64, 3]);
  assert.equal(b.x.length, 2 * 64 * 64 * 3);
  const p1 = set.pair("train", 1).label.data;
  const row = (a: Uint8Array, y: number) => [...a.subarray(y * 64, y * 64 + 64)];
  const got = [...b.y.subarray(64 * 64, 2 * 64 * 64)];
  const flipped = got.join() !== [...p1].join();
  for (let y = 0; y < 64; y++) {
    const want = row(p1, y);
    assert.deepEqual(got.slice(y * 64, y * 64 + 64), flipped ? want.reverse() : want);
  }
  assert.throws(() => stackSegSamples([], 3), /no samples/);
});

Deno.test("evaluateSegmentation: an oracle gets mIoU 1, a constant model the hand-computed IoU", async () => {
  const { set, ds } = shapesDataset();
  let i = 0;
  const oracle = await evaluateSegmentation(ds, (_img, h, w) => {
    const lab = set.pair("test", i++).label.data;
    const out = new Float32Array(h * w * 4);
    for (let p = 0; p < h * w; p++) out[p * 4 + lab[p]!] = 1;
    return out;
  });
  assert.equal(i, 3, "one window per 64 px canvas");
  assert.equal(oracle.mIoU, 1);
  assert.equal(oracle.aAcc, 1);
  const constant = await evaluateSegmentation(ds, (_img, h, w) => {
    const out = new Float32Array(h * w * 4);
    for (let p = 0; p < h * w; p++) out[p * 4] = 1;
    return out;
  });
  let bg = 0;
  const present = new Set<number>();
  for (let k = 0; k < 3; k++) {
    for (const v of set.pair("test", k).label.data) {
      if (v === 0) bg++;
      present.add(v);
    }
  }
  const iou0 = bg / (3 * 64 * 64);
  assert.ok(Math.abs(constant.mIoU - iou0 / present.size) < 1e-12);
  assert.ok(Math.abs(constant.aAcc - iou0) < 1e-12);
});

Deno.test("ADE20K folder through the scaled pipelines: train crops and a full evaluation", async () => {
  await withTempDir(async (root) => {
    await writeAdeTree(root, 2, 2);
    const folder = await openAde20k(root);
    // scale (8, 2) → 6×4 images rescale to factor min(8/6, 2/4) = 0.5 → 3×2; crop 2×2, stride 1
    const cfg = { ...scaledPipeline(1 / 256), stride: [1, 1] as [number, number] };
    assert.deepEqual([cfg.scale, cfg.crop], [[8, 2], [2, 2]]);
    const ds = ade20kSegDataset(folder, cfg);
    assert.equal(ds.numClasses, 150);
    const s = ds.trainSample(0, Rng.stream(0, "d"));
    assert.deepEqual([s.height, s.width], [2, 2]);
    const windows: number[][] = [];
    const m = await evaluateSegmentation(ds, (_img, h, w) => {
      windows.push([h, w]);
      const out = new Float32Array(h * w * 150);
      for (let p = 0; p < h * w; p++) out[p * 150] = 1; // always class 0
      return out;
    });
    // test inputs are 3×2 (from 6×4): windows 2×2 at columns 0 and 1, one row → 2 per image
    assert.deepEqual(windows, [[2, 2], [2, 2], [2, 2], [2, 2]]);
    // labels at the original 6×4 size: raw 1 → class 0; raw 0 and 255 ignored
    let c0 = 0, valid = 0;
    const present = new Set<number>();
    for (let i = 0; i < 2; i++) {
      for (let p = 0; p < 24; p++) {
        const raw = adeLabelValue(i, p);
        if (raw === 0 || raw === 255) continue;
        valid++;
        present.add(raw - 1);
        if (raw === 1) c0++;
      }
    }
    assert.ok(Math.abs(m.iou[0]! - c0 / valid) < 1e-12);
    assert.ok(Math.abs(m.mIoU - (c0 / valid) / present.size) < 1e-12);
    assert.ok(Math.abs(m.aAcc - c0 / valid) < 1e-12);
  });
});
