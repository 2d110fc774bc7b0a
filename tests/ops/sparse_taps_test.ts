// The sparse-tap conv against a naive dense depthwise conv written here (CPU, and WebGPU when an
// adapter exists), including taps that never reach the input and channels without taps.
import assert from "node:assert/strict";
import {
  buildTapList,
  initBackend,
  releaseTapList,
  sparseTapDepthwise,
  sparseTapDepthwiseCpu,
  tapDensity,
} from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/util/rng.ts";
import { requireWebGpu } from "../_webgpu.ts";
import { assertClose } from "./_shapes.ts";
import { deviceTaps } from "../../lib/ops/sparse_taps/webgpu_taps.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";

/** Naive 'same' depthwise conv of NHWC x with a [kh,kw,C] kernel, float64. */
function naive(
  x: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
  k: Float32Array,
  kh: number,
  kw: number,
) {
  const y = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let u = 0; u < kh; u++) {
            for (let v = 0; v < kw; v++) {
              const ii = i + u - (kh >> 1);
              const jj = j + v - (kw >> 1);
              if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
              s += x[((b * h + ii) * w + jj) * c + ch]! * k[(u * kw + v) * c + ch]!;
            }
          }
          y[((b * h + i) * w + j) * c + ch] = s;
        }
      }
    }
  }
  return y;
}

function sparseKernel(rng: Rng, kh: number, kw: number, c: number, density: number) {
  const k = Float32Array.from(
    { length: kh * kw * c },
    () => rng.uniform() < density ? rng.normal() : 0,
  );
  for (let t = 0; t < kh * kw; t++) k[t * c + 2] = 0; // channel 2 has no taps at all
  return k;
}

function setup(seed: number) {
  const rng = Rng.stream(seed, "sparse");
  const shape: [number, number, number, number] = [2, 9, 12, 5];
  const x = Float32Array.from({ length: 2 * 9 * 12 * 5 }, () => rng.normal());
  // 21×3 + 3×21: taps beyond |d| >= 9 rows / 12 cols never touch the input
  const tall = sparseKernel(rng, 21, 3, 5, 0.6);
  const wide = sparseKernel(rng, 3, 21, 5, 0.6);
  const bias = Float32Array.from({ length: 5 }, () => rng.normal());
  const ref = new Float64Array(x.length);
  const a = naive(x, shape, tall, 21, 3);
  const b = naive(x, shape, wide, 3, 21);
  for (let i = 0; i < ref.length; i++) ref[i] = a[i]! + b[i]! + bias[i % 5]!;
  const kernels = [{ data: tall, kh: 21, kw: 3 }, { data: wide, kh: 3, kw: 21 }];
  return { shape, x, kernels, bias, ref };
}

Deno.test("buildTapList() lists the non-zero taps of the summed kernels per channel", () => {
  const { kernels } = setup(1);
  const all = buildTapList(kernels, 5);
  assert.equal(all.start[3]! - all.start[2]!, 0);
  assert.ok(tapDensity(all) > 0.4 && tapDensity(all) < 0.6, `density ${tapDensity(all)}`);
  const clipped = buildTapList(kernels, 5, { h: 9, w: 12 });
  assert.ok(clipped.maxDy <= 8 && clipped.maxDx <= 10);
  assert.ok(clipped.w.length < all.w.length);
});

Deno.test("sparseTapDepthwiseCpu() equals the dense conv", () => {
  const { shape, x, kernels, bias, ref } = setup(2);
  const taps = buildTapList(kernels, 5, { h: 9, w: 12 });
  assertClose(sparseTapDepthwiseCpu(x, shape, taps, bias), ref, "cpu loops", 1e-6);
});

Deno.test("sparseTapDepthwise() on the cpu backend equals the dense conv", async () => {
  await initBackend("cpu");
  const { shape, x, kernels, bias, ref } = setup(3);
  const taps = buildTapList(kernels, 5, { h: 9, w: 12 });
  const y = sparseTapDepthwise(
    tf.tensor4d(x, shape as [number, number, number, number]),
    taps,
    tf.tensor1d(bias),
  );
  assertClose(await y.data(), ref, "cpu kernel", 1e-6);
  assert.throws(
    () =>
      sparseTapDepthwise(
        tf.zeros([1, 9, 12, 5]) as tf.Tensor4D,
        buildTapList(kernels, 5),
        tf.tensor1d(bias),
      ),
    /build the list with \{ h, w \}/,
  );
});

Deno.test("sparseTapDepthwise() on webgpu equals the dense conv and keeps one tap upload", async () => {
  if (!(await requireWebGpu("sparse taps webgpu parity"))) return;
  await initBackend("webgpu");
  try {
    const { shape, x, kernels, bias, ref } = setup(4);
    const taps = buildTapList(kernels, 5, { h: 9, w: 12 });
    const xt = tf.tensor4d(x, shape as [number, number, number, number]);
    const bt = tf.tensor1d(bias);
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    for (let run = 0; run < 2; run++) {
      const y = sparseTapDepthwise(xt, taps, bt);
      assertClose(await y.data(), ref, `webgpu kernel, run ${run}`, 1e-5);
      y.dispose();
      // the three tap buffers stay (uploaded by the first run only); the layout copy does not
      assert.equal(buffers(), before + 3, `device buffers after run ${run}`);
    }
    releaseTapList(taps);
    assert.equal(buffers(), before, "device buffers after releaseTapList()");
    tf.dispose([xt, bt]);
  } finally {
    await initBackend("cpu");
  }
});

/** A stand-in WebGPU backend that counts its uploads and live buffers. */
function countingBackend() {
  const live = new Set<object>();
  let uploads = 0;
  const backend = {
    makeTensorInfo(shape: number[], dtype: tf.DataType, values: ArrayLike<number>) {
      const dataId = { values };
      live.add(dataId);
      uploads++;
      return { dataId, shape, dtype };
    },
    disposeData(dataId: object) {
      return live.delete(dataId);
    },
  };
  return { backend: backend as unknown as WebGPUBackend, live, uploads: () => uploads };
}

Deno.test("deviceTaps() uploads once per (tap list, padded width, backend); releaseTapList() frees all", () => {
  const { kernels } = setup(5);
  const taps = buildTapList(kernels, 5, { h: 9, w: 12 });
  const a = countingBackend();
  const first = deviceTaps(a.backend, taps, 30);
  assert.equal(a.uploads(), 3);
  assert.equal(deviceTaps(a.backend, taps, 30), first, "same copy for the same width");
  assert.equal(a.uploads(), 3);
  const other = deviceTaps(a.backend, taps, 31);
  assert.notEqual(other, first);
  assert.equal(a.live.size, 6);
  // positions are dy * WP + dx for the width asked for
  const pos = (other.pos.dataId as unknown as { values: Int32Array }).values;
  assert.equal(pos[0], taps.dy[0]! * 31 + taps.dx[0]!);
  // a new backend gets its own copy; the old backend's copy for that width is freed
  const b = countingBackend();
  deviceTaps(b.backend, taps, 30);
  assert.equal(a.live.size, 3);
  assert.equal(b.live.size, 3);
  releaseTapList(taps);
  assert.equal(a.live.size + b.live.size, 0);
  releaseTapList(taps); // a second release is a no-op
});
