import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { decodeImage, decodeJpegRgb, jpegDecoder } from "../../lib/data/image_decode.ts";
import { DataError } from "../../lib/util/errors.ts";

/** A smooth w×h RGB gradient encoded as a JPEG (quality 95). */
function gradientJpeg(w: number, h: number): { bytes: Uint8Array; rgb: Uint8Array } {
  const rgba = new Uint8Array(w * h * 4);
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = [Math.round((x * 255) / (w - 1)), Math.round((y * 255) / (h - 1)), 128];
      rgba.set([...v, 255], (y * w + x) * 4);
      rgb.set(v, (y * w + x) * 3);
    }
  }
  return { bytes: new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, 95).data), rgb };
}

Deno.test("JPEGs decode with libjpeg-turbo (WASM shipped in the npm package)", () => {
  assert.equal(jpegDecoder(), "libjpeg-turbo");
});

Deno.test("libjpeg-turbo and jpeg-js decode a JPEG to the same size, close to the source", () => {
  const { bytes, rgb } = gradientJpeg(37, 21);
  const a = decodeJpegRgb(bytes, "libjpeg-turbo");
  const b = decodeJpegRgb(bytes, "jpeg-js");
  assert.deepEqual([a.width, a.height, a.data.length], [37, 21, 37 * 21 * 3]);
  assert.deepEqual([b.width, b.height], [37, 21]);
  let maxAB = 0;
  let sumSrc = 0;
  for (let i = 0; i < rgb.length; i++) {
    maxAB = Math.max(maxAB, Math.abs(a.data[i]! - b.data[i]!));
    sumSrc += Math.abs(a.data[i]! - rgb[i]!);
  }
  assert.ok(maxAB <= 8, `decoders differ by ${maxAB}`);
  assert.ok(sumSrc / rgb.length < 3, `mean error vs source ${sumSrc / rgb.length}`);
  assert.deepEqual(decodeImage(bytes, "x.jpg").data, a.data, "decodeImage uses the default");
});

Deno.test("a corrupt JPEG is a DataError naming the file", () => {
  const { bytes } = gradientJpeg(16, 16);
  const cut = bytes.slice(0, 40);
  assert.throws(() => decodeImage(cut, "bad.jpg"), (e: unknown) => {
    return e instanceof DataError && /bad\.jpg: cannot decode JPEG/.test(e.message);
  });
});
