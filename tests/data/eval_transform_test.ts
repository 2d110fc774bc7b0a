/**
 * The official evaluation transform against torchvision + Pillow (tests/fixtures/eval, made by
 * tools/make_eval_fixture.py): Pillow's antialiased bicubic / bilinear resize, torchvision's
 * `Resize(int)` sizes and `CenterCrop` offsets, the warp at 384, zero padding.
 */
import assert from "node:assert/strict";
import { decodeImage, decodeJpegRgb, type RgbImage } from "../../lib/data/image_decode.ts";
import {
  centerCrop,
  type EvalTransform,
  evalTransformImage,
  resizedSize,
} from "../../lib/data/eval_transform.ts";
import { pilAxisTaps, pilResize } from "../../lib/data/pil_resize.ts";
import { DataError } from "../../lib/util/errors.ts";

const FIXTURE = new URL("../fixtures/eval/", import.meta.url).pathname;

interface Case {
  case: string;
  file: string;
  size: number;
  cropPct: number;
  interpolation: "bicubic" | "bilinear";
  normalizedChannelSums: number[];
}

interface Expected {
  classes: string[];
  files: string[];
  mean: number[];
  std: number[];
  cases: Case[];
}

const expected = JSON.parse(Deno.readTextFileSync(`${FIXTURE}expected.json`)) as Expected;

function readImage(path: string): RgbImage {
  return decodeImage(Deno.readFileSync(path), path);
}

/** The input as PIL decoded it (PNG inputs decode exactly; JPEG inputs have a PNG copy). */
function pilDecoded(file: string): RgbImage {
  if (file.endsWith(".jpg")) return readImage(`${FIXTURE}decoded/${file.replace(".jpg", ".png")}`);
  const rel = expected.files.find((f) => f.endsWith(`/${file}`))!;
  return readImage(`${FIXTURE}imagefolder/${rel}`);
}

function transformOf(c: Case): EvalTransform {
  return { size: c.size, cropPct: c.cropPct, interpolation: c.interpolation };
}

/** Pixels that differ and the largest difference. */
function compare(a: Uint8Array, b: Uint8Array): { differ: number; max: number } {
  assert.equal(a.length, b.length);
  let differ = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > 0) differ++;
    if (d > max) max = d;
  }
  return { differ, max };
}

Deno.test("eval transform: bit-exact with torchvision Resize + CenterCrop on PIL's pixels", () => {
  assert.ok(expected.cases.length >= 10);
  for (const c of expected.cases) {
    const want = readImage(`${FIXTURE}expected/${c.case}.png`);
    const got = evalTransformImage(pilDecoded(c.file), transformOf(c), c.file);
    const d = compare(got, want.data);
    assert.equal(d.differ, 0, `${c.case}: ${d.differ} bytes differ (max ${d.max})`);
  }
});

Deno.test("eval transform: ToTensor + Normalize sums match torchvision's", () => {
  const f = Math.fround;
  for (const c of expected.cases) {
    const px = readImage(`${FIXTURE}expected/${c.case}.png`).data;
    const sums = [0, 0, 0];
    for (let i = 0; i < px.length; i++) {
      const ch = i % 3;
      // float32 steps, as torch: x / 255, then (x - mean) / std
      sums[ch]! += f(f(f(px[i]! / 255) - f(expected.mean[ch]!)) / f(expected.std[ch]!));
    }
    for (let ch = 0; ch < 3; ch++) {
      const want = c.normalizedChannelSums[ch]!;
      assert.ok(
        Math.abs(sums[ch]! - want) < 1e-6,
        `${c.case} channel ${ch}: ${sums[ch]} vs ${want}`,
      );
    }
  }
});

/**
 * jpeg-js (the fallback decoder) against PIL's libjpeg-turbo, after the transform: within a level on
 * 4:4:4 and grayscale files; on 4:2:0 files the chroma upsampling differs (libjpeg's "fancy"
 * triangle filter), up to tens of levels at sharp colour edges, ~2 on average. The default decoder
 * is libjpeg-turbo itself, which gives PIL's pixels exactly.
 */
const JPEG_JS_BOUNDS: Record<string, { max: number; mean: number }> = {
  "a_landscape.jpg": { max: 80, mean: 3 }, // 4:2:0
  "d_large.jpg": { max: 3, mean: 0.6 }, // 4:4:4
  "f_gray.jpg": { max: 1, mean: 0.1 }, // grayscale
};

for (const decoder of ["libjpeg-turbo", "jpeg-js"] as const) {
  Deno.test(`eval transform: from the JPEG files themselves (${decoder}) against PIL`, () => {
    for (const c of expected.cases.filter((c) => c.file.endsWith(".jpg"))) {
      const rel = expected.files.find((f) => f.endsWith(`/${c.file}`))!;
      const want = readImage(`${FIXTURE}expected/${c.case}.png`);
      const bytes = Deno.readFileSync(`${FIXTURE}imagefolder/${rel}`);
      const got = evalTransformImage(decodeJpegRgb(bytes, decoder), transformOf(c), rel);
      const d = compare(got, want.data);
      let sum = 0;
      for (let i = 0; i < got.length; i++) sum += Math.abs(got[i]! - want.data[i]!);
      const b = decoder === "jpeg-js" ? JPEG_JS_BOUNDS[c.file]! : { max: 0, mean: 0 };
      assert.ok(d.max <= b.max, `${c.case}: max difference ${d.max}`);
      assert.ok(sum / got.length <= b.mean, `${c.case}: mean difference ${sum / got.length}`);
    }
  });
}

Deno.test("pilAxisTaps: the filter widens with the downscale factor (antialiasing)", () => {
  // 2x shrink: bicubic support 2 * 2 = 4 each side, so up to 9 taps; enlarging: 4 or 5
  const down = pilAxisTaps(512, 256, "bicubic");
  assert.equal(down.stride, 9);
  assert.equal(down.count[100], 8);
  const up = pilAxisTaps(100, 256, "bicubic");
  assert.equal(up.stride, 5);
  assert.ok(up.count[100]! <= 5);
  for (const t of [down, up]) {
    for (let i = 0; i < t.count.length; i++) {
      let s = 0;
      for (let k = 0; k < t.count[i]!; k++) s += t.weights[i * t.stride + k]!;
      assert.ok(Math.abs(s - (1 << 22)) <= t.count[i]!, `weights of ${i} sum to ${s}`);
    }
  }
});

Deno.test("pilResize: a constant image stays constant; same size is a copy", () => {
  const img = { width: 37, height: 23, data: new Uint8Array(37 * 23 * 3).fill(201) };
  for (const f of ["bicubic", "bilinear"] as const) {
    const out = pilResize(img, 11, 50, f);
    assert.ok(out.data.every((v) => v === 201));
  }
  const same = pilResize(img, 37, 23, "bicubic");
  assert.deepEqual(same.data, img.data);
  assert.notEqual(same.data, img.data);
});

Deno.test("resizedSize and centerCrop follow torchvision's rounding", () => {
  assert.deepEqual(resizedSize(500, 375, 256), { width: 341, height: 256 });
  assert.deepEqual(resizedSize(181, 263, 256), { width: 256, height: 371 });
  assert.deepEqual(resizedSize(300, 300, 256), { width: 256, height: 256 });
  // 7 wide to 2: (7 - 2) / 2 = 2.5 rounds to 2 (half to even); 9 to 2: 3.5 rounds to 4
  const row = (w: number) => ({
    width: w,
    height: 2,
    data: Uint8Array.from({ length: w * 2 * 3 }, (_, i) => Math.floor(i / 3) % w),
  });
  assert.equal(centerCrop(row(7), 2).data[0], 2);
  assert.equal(centerCrop(row(9), 2).data[0], 4);
  // padding: 1x1 into 4x4 puts the pixel at (1, 1)
  const one = centerCrop({ width: 1, height: 1, data: Uint8Array.from([9, 9, 9]) }, 4);
  assert.equal(one.data[(1 * 4 + 1) * 3], 9);
  assert.equal(one.data.reduce((a, b) => a + b, 0), 27);
});

Deno.test("evalTransformImage: no resize at size <= 32, a DataError for other sizes", () => {
  const t: EvalTransform = { size: 32, cropPct: 0.875, interpolation: "bicubic" };
  const img = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(3) };
  assert.equal(evalTransformImage(img, t, "x.png"), img.data);
  assert.throws(
    () => evalTransformImage({ width: 33, height: 32, data: new Uint8Array(33 * 96) }, t, "x.png"),
    (e) => e instanceof DataError && /x\.png: is 33x32/.test(e.message),
  );
});
