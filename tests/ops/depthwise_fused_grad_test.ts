// The large depthwise conv's fused cpu gradient (dx and dW in one kernel, dy packed once) must
// give the same bytes as the two separate wasm kernels, at 1 and 3 kernel threads, and the same
// gradients as the separate-kernel path through tf.grads, where it replaces both kernels.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend, largeKernelDepthwiseConv2d } from "../../lib/ops/mod.ts";
import {
  jobStats,
  readyThreads,
  setThreadCount,
  shutdownThreads,
  startThreads,
  threadCount,
} from "../../lib/ops/_threads/mod.ts";
import { depthwiseGeometry } from "../../lib/ops/large_depthwise/geometry.ts";
import {
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  depthwiseBackpropWasm,
} from "../../lib/ops/large_depthwise/wasm_depthwise.ts";
import { useFusedDepthwiseGrad } from "../../lib/ops/large_depthwise/grad.ts";
import { SLAK_DEPTHWISE_GRAD } from "../../lib/ops/large_depthwise/kernel_names.ts";

await initBackend("cpu");

/** Deterministic pseudo-random floats in [−1, 1). */
function noise(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function u32(a: Float32Array | null): number[] {
  assert.ok(a !== null, "the wasm path must be available");
  return [...new Uint32Array(a.slice().buffer)];
}

/** [x shape, filter shape]: along H, along W, square, channels not a multiple of 4, one image. */
const SHAPES: [number[], number[]][] = [
  [[3, 16, 16, 12], [15, 3, 12, 1]],
  [[2, 9, 14, 37], [3, 13, 37, 1]],
  [[1, 7, 7, 6], [7, 7, 6, 1]],
  [[2, 8, 8, 5], [3, 3, 5, 1]],
];

/** Bits of [dx, dW] per shape: fused when `fused`, else the two separate wasm kernels. */
function grads(fused: boolean, shapes = SHAPES): number[][] {
  return shapes.flatMap(([xs, fs], i) => {
    const g = depthwiseGeometry(xs, fs);
    const x = noise(xs.reduce((a, b) => a * b), 11 + i);
    const f = noise(fs.reduce((a, b) => a * b), 110 + i);
    const dy = noise(x.length, 1100 + i);
    if (!fused) {
      return [
        u32(depthwiseBackpropInputWasm(dy, f, g)),
        u32(depthwiseBackpropFilterWasm(x, dy, g)),
      ];
    }
    const both = depthwiseBackpropWasm(x, dy, f, g);
    assert.ok(both !== null, "the wasm path must be available");
    return [u32(both.dx), u32(both.dw)];
  });
}

Deno.test("fused depthwise gradient: same bytes as the separate dX and dW kernels", () => {
  const sep = grads(false);
  const fused = grads(true);
  assert.equal(fused.length, 2 * SHAPES.length);
  fused.forEach((v, i) => assert.deepEqual(v, sep[i], `${SHAPES[i >> 1]![0]} output ${i % 2}`));
});

Deno.test("fused depthwise gradient: 1 and 3 kernel threads give the same bytes", async () => {
  const before = threadCount();
  try {
    setThreadCount(1);
    // large enough that the jobs are split into parts (small ones run on the calling thread)
    const shapes: [number[], number[]][] = [...SHAPES, [[4, 28, 27, 10], [13, 5, 10, 1]]];
    const one = grads(true, shapes);
    setThreadCount(3);
    assert.ok(startThreads(), "kernel threads must be available in Deno");
    const until = performance.now() + 120_000;
    while (readyThreads() < 2) {
      assert.ok(performance.now() < until, `only ${readyThreads()} of 2 threads started`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const remoteBefore = jobStats.partsOnThreads;
    // repeat until some part ran on a kernel thread (a loaded machine may run every part here)
    for (let run = 0; run < 20 && jobStats.partsOnThreads === remoteBefore; run++) {
      const many = grads(true, shapes);
      many.forEach((v, i) => assert.deepEqual(v, one[i], `3 threads, run ${run}, output ${i}`));
    }
    assert.ok(jobStats.partsOnThreads > remoteBefore, "some parts ran on kernel threads");
  } finally {
    shutdownThreads();
    setThreadCount(before);
  }
});

/** Bits of [dx, dW] of sum(conv(x, w) · c) through tf.grads, with the fused gradient on or off. */
function tapeGrads(fused: boolean, xs: number[], fs: number[], seed: number): number[][] {
  const was = useFusedDepthwiseGrad(fused);
  try {
    return tf.tidy(() => {
      const x = tf.tensor4d(noise(xs.reduce((a, b) => a * b), seed), xs as never);
      const w = tf.tensor4d(noise(fs.reduce((a, b) => a * b), seed + 1), fs as never);
      const c = tf.tensor4d(noise(x.size, seed + 2), xs as never);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(largeKernelDepthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D), c));
      return tf.grads(f)([x, w]).map((t) => [...new Uint32Array(t.dataSync().slice().buffer)]);
    });
  } finally {
    useFusedDepthwiseGrad(was);
  }
}

Deno.test("SlakDepthwiseConv2d gradients: fused kernel on and off give the same bits", () => {
  SHAPES.forEach(([xs, fs], i) => {
    const off = tapeGrads(false, xs, fs, 5 + 10 * i);
    const on = tapeGrads(true, xs, fs, 5 + 10 * i);
    assert.deepEqual(on[0], off[0], `${xs} dx`);
    assert.deepEqual(on[1], off[1], `${xs} dW`);
  });
});

Deno.test("SlakDepthwiseConv2d gradients: one fused kernel replaces the two on cpu", async () => {
  const x = tf.tensor4d(noise(2 * 8 * 8 * 4, 1), [2, 8, 8, 4]);
  const w = tf.tensor4d(noise(5 * 3 * 4, 2), [5, 3, 4, 1]);
  const f = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(largeKernelDepthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D));
  try {
    for (const fused of [true, false]) {
      const was = useFusedDepthwiseGrad(fused);
      try {
        const info = await tf.profile(() => tf.grads(f)([x, w]));
        const names = info.kernelNames;
        assert.equal(names.includes(SLAK_DEPTHWISE_GRAD), fused, names.join());
        assert.equal(names.includes("SlakDepthwiseConv2dBackpropInput"), !fused, names.join());
        assert.equal(names.includes("SlakDepthwiseConv2dBackpropFilter"), !fused, names.join());
      } finally {
        useFusedDepthwiseGrad(was);
      }
    }
  } finally {
    tf.dispose([x, w]);
  }
});
