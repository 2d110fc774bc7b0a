import assert from "node:assert/strict";
import {
  accumulateAreas,
  emptyAreas,
  SegEvaluator,
  segMetrics,
} from "../../../lib/data/segmentation/mod.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

Deno.test("metrics sum intersections and unions over all images before dividing", () => {
  const ev = new SegEvaluator(4);
  ev.add([0, 0, 1, 1], [0, 0, 0, 1]);
  ev.add([2, 2], [2, 0]);
  assert.equal(ev.images, 2);
  assert.deepEqual([...ev.areas.intersect], [2, 1, 1, 0]);
  assert.deepEqual([...ev.areas.pred], [2, 2, 2, 0]);
  assert.deepEqual([...ev.areas.label], [4, 1, 1, 0]);
  const m = ev.metrics();
  // IoU: 2/(2+4−2), 1/(2+1−1), 1/(2+1−1), class 3 in neither → NaN and left out of the mean
  assert.deepEqual([...m.iou.subarray(0, 3)], [0.5, 0.5, 0.5]);
  assert.ok(Number.isNaN(m.iou[3]!));
  close(m.mIoU, 0.5);
  close(m.aAcc, 4 / 6);
  assert.deepEqual([...m.acc.subarray(0, 3)], [0.5, 1, 1]);
  close(m.mAcc, 2.5 / 3);
  // Averaging per-image mIoUs would give ((2/3 + 1/2) / 2 + (0 + 1/2) / 2) / 2 = 0.4167, not 0.5.
});

Deno.test("a class only predicted gets IoU 0 (counted); ignored labels and stray predictions", () => {
  const a = emptyAreas(4);
  accumulateAreas(a, [3, 0, 1, 7], [0, 0, 255, 1]);
  // pixel 2 ignored (its prediction too); pixel 3 predicts 7 (no class) and misses class 1
  assert.deepEqual([...a.pred], [1, 0, 0, 1]);
  assert.deepEqual([...a.label], [2, 1, 0, 0]);
  assert.deepEqual([...a.intersect], [1, 0, 0, 0]);
  const m = segMetrics(a);
  assert.equal(m.iou[3], 0);
  assert.ok(Number.isNaN(m.iou[2]!));
  assert.ok(Number.isNaN(m.acc[3]!), "accuracy of a class absent from labels is NaN");
  close(m.mIoU, (0.5 + 0 + 0) / 3);
  close(m.aAcc, 1 / 3);
  assert.throws(() => accumulateAreas(a, [0], [0, 1]), /1 predictions for 2 labels/);
  // a label outside [0, numClasses) that is not ignored still counts its prediction
  const b = emptyAreas(4);
  accumulateAreas(b, [2], [9]);
  assert.deepEqual([...b.pred], [0, 0, 1, 0]);
  assert.deepEqual([...b.label], [0, 0, 0, 0]);
});

Deno.test("an empty evaluation has NaN metrics", () => {
  const m = new SegEvaluator(2).metrics();
  assert.ok(Number.isNaN(m.mIoU) && Number.isNaN(m.aAcc) && Number.isNaN(m.mAcc));
});
