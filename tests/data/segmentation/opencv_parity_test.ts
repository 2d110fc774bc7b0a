/**
 * Bit-exact parity with the OpenCV / numpy operations mmseg's pipelines call, against
 * tests/fixtures/seg_data/opencv_ref.json (made by tools/make_seg_data_fixture.py).
 */
import assert from "node:assert/strict";
import {
  convertBytes,
  hsvToRgb,
  resizeBilinearU8,
  resizeNearestU8,
  rgbToHsv,
} from "../../../lib/data/segmentation/mod.ts";

interface Ref {
  resize: {
    src: [number, number];
    dst: [number, number];
    channels: number;
    image: number[];
    linear: number[];
    nearest: number[];
  }[];
  rgb2hsv: { rgb: number[]; hsv: number[] };
  hsv2rgb: { height: number; width: number; hsv: number[]; rgb: number[] }[];
  convert: { values: number[]; cases: { alpha: number; beta: number; out: number[] }[] };
}

const ref: Ref = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/seg_data/opencv_ref.json", import.meta.url)),
);

Deno.test("resizeBilinearU8 / resizeNearestU8 equal cv2.resize INTER_LINEAR / INTER_NEAREST", () => {
  assert.ok(ref.resize.length >= 6);
  for (const c of ref.resize) {
    const [sw, sh] = c.src;
    const [dw, dh] = c.dst;
    const img = { width: sw, height: sh, channels: c.channels, data: Uint8Array.from(c.image) };
    assert.deepEqual([...resizeBilinearU8(img, dw, dh).data], c.linear, `linear ${c.src}→${c.dst}`);
    for (let k = 0; k < c.channels; k++) {
      const plane = Uint8Array.from({ length: sw * sh }, (_, i) => c.image[i * c.channels + k]!);
      const got = resizeNearestU8({ width: sw, height: sh, data: plane }, dw, dh).data;
      const want = Array.from({ length: dw * dh }, (_, i) => c.nearest[i * c.channels + k]!);
      assert.deepEqual([...got], want, `nearest ${c.src}→${c.dst} channel ${k}`);
    }
  }
});

Deno.test("rgbToHsv / hsvToRgb equal cv2.cvtColor BGR2HSV / HSV2BGR on uint8", () => {
  assert.deepEqual([...rgbToHsv(Uint8Array.from(ref.rgb2hsv.rgb))], ref.rgb2hsv.hsv);
  for (const c of ref.hsv2rgb) {
    const got = hsvToRgb(Uint8Array.from(c.hsv), c.width);
    assert.deepEqual([...got], c.rgb, `${c.height}x${c.width}`);
  }
});

Deno.test("convertBytes equals numpy's float32 convert of mmseg's PhotoMetricDistortion", () => {
  const v = Uint8Array.from(ref.convert.values);
  for (const c of ref.convert.cases) {
    assert.deepEqual(
      [...convertBytes(v, c.alpha, c.beta)],
      c.out,
      `alpha ${c.alpha} beta ${c.beta}`,
    );
  }
});
