// Packed-B reuse (withConstantOperands): inside the scope the wasm matmul must give bit-identical
// results to the uncached product, reuse the packed panels on repeated calls with the same B,
// repack when the blocking (transpose, shape) differs, and notice a B changed in place.
import assert from "node:assert/strict";
import {
  clearPackedOperands,
  matmulWasm,
  packedOperandStats,
  wasmMatmulSupport,
  withConstantOperands,
} from "../../lib/ops/matmul/mod.ts";
import { Rng } from "../../lib/util/rng.ts";

const simd = wasmMatmulSupport().simd;

function randomArray(rng: Rng, len: number): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = rng.uniform() * 2 - 1;
  return x;
}

function assertBitEqual(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, what);
  const g = new Int32Array(got.buffer, got.byteOffset, got.length);
  const w = new Int32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) assert.fail(`${what}: element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

// (m, k, n): n not a multiple of the panel width; k = 300 with n = 2045 spans 3 k blocks
const SHAPES = [[13, 300, 2045], [7, 37, 61], [49, 64, 8]] as const;

Deno.test({
  name: "packed-B cache: bit-identical to uncached, reused, rekeyed per transpose",
  ignore: !simd,
  fn() {
    const rng = Rng.stream(7, "packed-b-cache");
    for (const [m, k, n] of SHAPES) {
      for (const tb of [false, true]) {
        clearPackedOperands();
        const a = randomArray(rng, m * k);
        const b = randomArray(rng, k * n);
        const want = matmulWasm(a, b, m, k, n, false, tb)!;
        assert.deepEqual(packedOperandStats(), { hits: 0, misses: 0 }, "no caching outside");
        const what = `${m}x${k}x${n} tb=${tb}`;
        withConstantOperands(() => {
          assertBitEqual(matmulWasm(a, b, m, k, n, false, tb)!, want, `${what} first`);
          assertBitEqual(matmulWasm(a, b, m, k, n, false, tb)!, want, `${what} reused`);
          const a2 = randomArray(rng, m * k);
          assertBitEqual(
            matmulWasm(a2, b, m, k, n, false, tb)!,
            matmulWasm(a2, Float32Array.from(b), m, k, n, false, tb)!,
            `${what} other A`,
          );
        });
        assert.deepEqual(packedOperandStats(), { hits: 2, misses: 2 }, what);
      }
    }
    // the same array read with the other transpose is another blocking: repacked, still exact
    clearPackedOperands();
    const [m, k] = [9, 40];
    const a = randomArray(rng, m * k);
    const b = randomArray(rng, k * k);
    withConstantOperands(() => {
      matmulWasm(a, b, m, k, k, false, false);
      assertBitEqual(
        matmulWasm(a, b, m, k, k, false, true)!,
        matmulWasm(a, Float32Array.from(b), m, k, k, false, true)!,
        "transposed reuse",
      );
    });
    assert.equal(packedOperandStats().hits, 0);
  },
});

Deno.test({
  name: "packed-B cache: a B changed in place is repacked",
  ignore: !simd,
  fn() {
    const rng = Rng.stream(8, "packed-b-cache");
    const [m, k, n] = [11, 50, 70];
    const a = randomArray(rng, m * k);
    const b = randomArray(rng, k * n);
    clearPackedOperands();
    withConstantOperands(() => {
      matmulWasm(a, b, m, k, n, false, false);
      for (let i = 0; i < b.length; i++) b[i] = b[i]! * 0.5 + 0.25;
      assertBitEqual(
        matmulWasm(a, b, m, k, n, false, false)!,
        matmulWasm(a, Float32Array.from(b), m, k, n, false, false)!,
        "after in-place change",
      );
    });
    assert.equal(packedOperandStats().hits, 0);
    clearPackedOperands();
  },
});
