import assert from "node:assert/strict";
import {
  rescaleSize,
  resizeBilinearU8,
  resizeLogitsBilinear,
  resizeNearestU8,
  roundHalfEven,
} from "../../../lib/data/segmentation/mod.ts";

function gray(width: number, height: number, vals: number[]) {
  return { width, height, channels: 1, data: Uint8Array.from(vals) };
}

Deno.test("rescaleSize fits long side to max(scale) and short side to min(scale), rounding half up", () => {
  const cases: [number, number, [number, number], number, number][] = [
    [640, 480, [2048, 512], 683, 512], // factor 512/480: 682.67 → 683
    [100, 1000, [2048, 512], 205, 2048], // long side binds: factor 2.048
    [3, 5, [10, 4], 4, 7], // factor 4/3: 4.0 → 4, 6.67 → 7
    [683, 512, [512, 2048], 683, 512], // tuple order does not matter
    [10, 10, [5, 5], 5, 5],
  ];
  for (const [w, h, scale, ew, eh] of cases) {
    const s = rescaleSize(w, h, scale);
    assert.deepEqual([s.width, s.height], [ew, eh], `${w}x${h} at ${scale}`);
  }
});

Deno.test("roundHalfEven rounds ties to even", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, 2, 3]);
});

Deno.test("resizeBilinearU8 2x2→3x3 follows OpenCV's fixed-point INTER_LINEAR (hand-computed)", () => {
  // Taps for 2 → 3: outputs 0 and 2 sit on the edges; output 1 averages both inputs.
  // Output (2,1): rows both clamp to row 1, horizontal 200·1024 + 255·1024 = 465920;
  // (1707·(465920>>4)>>16) + (341·(465920>>4)>>16) = 758 + 151, (909 + 2) >> 2 = 227, where the
  // float result 227.5 would round to 228.
  const out = resizeBilinearU8(gray(2, 2, [0, 100, 200, 255]), 3, 3);
  assert.deepEqual([...out.data], [0, 50, 100, 100, 139, 178, 200, 227, 255]);
});

Deno.test("resizeBilinearU8 upsamples and downsamples without antialiasing; 2x halving averages 2x2", () => {
  assert.deepEqual([...resizeBilinearU8(gray(2, 1, [0, 200]), 4, 1).data], [0, 50, 150, 200]);
  // 6 → 2: centres land on inputs 1 and 4 exactly (no averaging of neighbours).
  assert.deepEqual([...resizeBilinearU8(gray(6, 1, [0, 10, 20, 30, 40, 50]), 2, 1).data], [10, 40]);
  // Exact 2x on both axes: OpenCV's INTER_AREA fast path, (a + b + c + d + 2) >> 2.
  const half = resizeBilinearU8(gray(4, 2, [10, 20, 30, 41, 11, 21, 31, 40]), 2, 1);
  assert.deepEqual([...half.data], [16, 36]);
  // Channels are independent; same size copies.
  const rgb = {
    width: 2,
    height: 1,
    channels: 3,
    data: Uint8Array.from([0, 10, 20, 200, 110, 20]),
  };
  assert.deepEqual([...resizeBilinearU8(rgb, 4, 1).data], [
    0,
    10,
    20,
    50,
    35,
    20,
    150,
    85,
    20,
    200,
    110,
    20,
  ]);
  const same = resizeBilinearU8(rgb, 2, 1);
  assert.deepEqual(same.data, rgb.data);
  assert.notEqual(same.data, rgb.data);
});

Deno.test("resizeNearestU8 takes floor(d * in / out), top-left aligned", () => {
  const lab = { width: 2, height: 1, data: Uint8Array.from([7, 9]) };
  assert.deepEqual([...resizeNearestU8(lab, 5, 1).data], [7, 7, 7, 9, 9]);
  const big = { width: 3, height: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) };
  assert.deepEqual([...resizeNearestU8(big, 2, 2).data], [1, 2, 4, 5]);
});

Deno.test("resizeLogitsBilinear follows align_corners=False on every channel", () => {
  assert.deepEqual([...resizeLogitsBilinear(new Float32Array([0, 2, 4, 6]), 1, 4, 1, 1, 2)], [
    1,
    5,
  ]);
  // 2 channels, 2x1 → 2x2 vertically: rows 0.25 / 0.75 of the way, clamped at the edges.
  const src = new Float32Array([0, 10, 8, 30]); // (y0: [0,10]), (y1: [8,30])
  const out = resizeLogitsBilinear(src, 2, 1, 2, 4, 1);
  assert.deepEqual([...out], [0, 10, 2, 15, 6, 25, 8, 30]);
});
