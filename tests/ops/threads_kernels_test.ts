/**
 * Intra-op threads (lib/ops/_threads): the wasm GEMM, the large-kernel depthwise forward, dX and
 * dW and the fused decomposed inference op give the same bytes with 1 and 3 threads (fixed
 * partitioning, each part owning its outputs), the partition covers every index exactly once,
 * kernel threads really run parts, see the memory after it grows, and stop when asked.
 */
import assert from "node:assert/strict";
import {
  jobStats,
  kernelF32,
  readyThreads,
  setThreadCount,
  shutdownThreads,
  startThreads,
  threadCount,
} from "../../lib/ops/_threads/mod.ts";
import { partCount, partRange } from "../../lib/ops/_threads/partition.ts";
import { matmulWasm } from "../../lib/ops/matmul/wasm_matmul.ts";
import { depthwiseGeometry } from "../../lib/ops/large_depthwise/geometry.ts";
import {
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  depthwiseForwardWasm,
} from "../../lib/ops/large_depthwise/wasm_depthwise.ts";
import { fusedDecomposedCpu } from "../../lib/ops/fused_decomposed/cpu_kernel.ts";

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

/** The raw bytes of a float array (compared byte for byte). */
function bytes(a: Float32Array | null): Uint8Array {
  assert.ok(a !== null, "the wasm path must be available");
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Waits (async) until the kernel threads have started, up to `seconds` (the first start in a
 * `deno test` process type-checks the worker module, which can take minutes on a loaded machine).
 */
async function threadsReady(n: number, seconds = 120): Promise<void> {
  assert.ok(startThreads(), "kernel threads must be available in Deno");
  const until = performance.now() + 1000 * seconds;
  while (readyThreads() < n - 1) {
    assert.ok(performance.now() < until, `only ${readyThreads()} of ${n - 1} threads started`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `run` with 1 thread, then with `n` threads; returns both results and the parts run elsewhere. */
async function oneVsMany(
  n: number,
  run: () => Uint8Array[],
): Promise<{ one: Uint8Array[]; many: Uint8Array[]; remote: number }> {
  const before = threadCount();
  try {
    setThreadCount(1);
    const one = run().map((b) => b.slice());
    setThreadCount(n);
    await threadsReady(n);
    // stale results of the 1-thread run must not hide outputs that no part writes
    kernelF32().fill(NaN);
    const remoteBefore = jobStats.partsOnThreads;
    let many: Uint8Array[] = [];
    // repeat (up to 20 times) until some part ran on a kernel thread: on a loaded machine the
    // calling thread may claim every part of a job
    for (let i = 0; i < 20; i++) {
      many = run().map((b) => b.slice());
      assertSameBytes(one, many, `run ${i + 1} with ${n} threads`);
      if (jobStats.partsOnThreads > remoteBefore) break;
    }
    return { one, many, remote: jobStats.partsOnThreads - remoteBefore };
  } finally {
    shutdownThreads();
    setThreadCount(before);
  }
}

/** Byte-for-byte equality; names the first differing byte (no huge diff output). */
function assertSameBytes(one: Uint8Array[], many: Uint8Array[], what: string): void {
  assert.equal(many.length, one.length);
  one.forEach((b, i) => {
    const m = many[i]!;
    assert.equal(m.length, b.length, `${what} [${i}]: length`);
    const at = b.findIndex((v, j) => v !== m[j]);
    assert.equal(at, -1, `${what} [${i}] differs from 1 thread at byte ${at} of ${b.length}`);
  });
}

Deno.test("kernel threads start (the first start loads the worker module)", async () => {
  const before = threadCount();
  try {
    setThreadCount(3);
    await threadsReady(3, 600);
    assert.equal(readyThreads(), 2);
  } finally {
    shutdownThreads();
    setThreadCount(before);
  }
});

Deno.test("partRange() covers [0, total) with disjoint contiguous parts", () => {
  for (const total of [1, 2, 3, 7, 64, 193, 4096]) {
    for (const threads of [1, 2, 3, 8]) {
      const parts = partCount(total, threads);
      let next = 0;
      for (let i = 0; i < parts; i++) {
        const [s, e] = partRange(total, parts, i);
        assert.equal(s, next, `part ${i} of ${parts} (total ${total}) starts where the last ended`);
        assert.ok(e >= s);
        next = e;
      }
      assert.equal(next, total);
    }
  }
});

Deno.test("wasm GEMM: 1 and 3 threads give the same bytes (all transposes, k blocks)", async () => {
  const cases: [number, number, number, boolean, boolean][] = [
    [403, 150, 70, false, false],
    [130, 1100, 33, true, false],
    [97, 64, 300, false, true],
    [64, 40, 9, true, true],
  ];
  const run = () =>
    cases.map(([m, k, n, ta, tb], i) =>
      bytes(matmulWasm(noise(m * k, 1 + i), noise(k * n, 100 + i), m, k, n, ta, tb))
    );
  const { one, many, remote } = await oneVsMany(3, run);
  assertSameBytes(one, many, "matmul");
  assert.ok(remote > 0, "some GEMM parts ran on kernel threads");
});

Deno.test("wasm depthwise fwd, dX and dW: 1 and 3 threads give the same bytes", async () => {
  const shapes: [number[], number[]][] = [
    [[4, 28, 27, 10], [13, 5, 10, 1]],
    [[2, 9, 16, 37], [3, 15, 37, 1]],
    [[1, 7, 7, 24], [7, 7, 24, 1]],
  ];
  const run = () =>
    shapes.flatMap(([xs, fs], i) => {
      const g = depthwiseGeometry(xs, fs);
      const x = noise(xs.reduce((a, b) => a * b), 7 + i);
      const f = noise(fs.reduce((a, b) => a * b), 70 + i);
      const dy = noise(x.length, 700 + i);
      return [
        bytes(depthwiseForwardWasm(x, f, g)),
        bytes(depthwiseBackpropInputWasm(dy, f, g)),
        bytes(depthwiseBackpropFilterWasm(x, dy, g)),
      ];
    });
  const { one, many, remote } = await oneVsMany(3, run);
  assertSameBytes(one, many, "depthwise");
  assert.ok(remote > 0, "some depthwise parts ran on kernel threads");
});

Deno.test("fused decomposed op: 1 and 3 threads give the same bytes", async () => {
  const xShape = [8, 28, 28, 32];
  const tall = [13, 5, 32, 1];
  const wide = [5, 13, 32, 1];
  const run = () => [
    bytes(
      fusedDecomposedCpu(
        noise(8 * 28 * 28 * 32, 3),
        xShape,
        noise(13 * 5 * 32, 4),
        tall,
        noise(5 * 13 * 32, 5),
        wide,
        noise(32, 6),
      ),
    ),
  ];
  const { one, many, remote } = await oneVsMany(3, run);
  assertSameBytes(one, many, "fused decomposed");
  assert.ok(remote > 0, "some fused-op parts ran on kernel threads");
});

Deno.test("kernel threads see the memory after it grows between jobs", async () => {
  const small = () =>
    bytes(matmulWasm(noise(64 * 64, 1), noise(64 * 64, 2), 64, 64, 64, false, false));
  // ~40 MB of operands: larger than anything before in this process, so the memory grows
  const big = () =>
    bytes(matmulWasm(noise(1500 * 3000, 3), noise(3000 * 40, 4), 1500, 3000, 40, false, false));
  const { one, many, remote } = await oneVsMany(3, () => [small(), big()]);
  assertSameBytes(one, many, "matmul after growth");
  assert.ok(remote > 0);
});

Deno.test("shutdownThreads() stops the kernel threads; they restart on demand", async () => {
  const before = threadCount();
  try {
    setThreadCount(2);
    await threadsReady(2);
    assert.equal(readyThreads(), 1);
    shutdownThreads();
    assert.equal(readyThreads(), 0);
    await threadsReady(2);
    assert.equal(readyThreads(), 1);
  } finally {
    shutdownThreads();
    setThreadCount(before);
  }
});
