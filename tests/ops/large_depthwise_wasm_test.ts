/**
 * The WebAssembly SIMD depthwise kernels (lib/ops/large_depthwise/wasm_depthwise.ts) against
 * tfjs's reference DepthwiseConv2dNative and its two backprop kernels, against the plain-JS
 * kernels, across register tiles, and through the registered cpu kernels.
 *
 * Tolerance: the wasm kernels accumulate in float32 (our JS kernels in float64; tfjs's forward
 * rounds to float32 after every tap, its backprops sum in float64). A sum of K products rounded at
 * every step drifts like a random walk, about u·√K relative to the sum's scale (u = 2⁻²⁴) for
 * sign-balanced data. The tests allow 8·u·√K relative to the tensor's largest |value|, with K =
 * taps per output for y and dx (kh·kw, up to 61·61: 2.9e-5) and the length of one float32 chain
 * for dW (one image's h·w positions; images are summed in float64). Measured on these cases
 * against tfjs: forward ≤ 3.8e-7, dx ≤ 4.6e-7, dW ≤ 4.3e-7 (and 8.6e-7 / 5.5e-7 on 28×28 maps
 * with 31×31 and 61×61 kernels). Forward along W is bit-identical to tfjs's where the CPU fuses
 * the multiply-add: same tap order, one float32 rounding per tap.
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  initBackend,
  largeKernelDepthwiseBackpropFilter,
  largeKernelDepthwiseBackpropInput,
  largeKernelDepthwiseConv2d,
} from "../../lib/ops/mod.ts";
import { depthwiseGeometry } from "../../lib/ops/large_depthwise/geometry.ts";
import {
  depthwiseBackpropInputCpu,
  depthwiseForwardCpu,
} from "../../lib/ops/large_depthwise/cpu_forward.ts";
import { depthwiseBackpropFilterCpu } from "../../lib/ops/large_depthwise/cpu_backprop_filter.ts";
import {
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  depthwiseForwardWasm,
  depthwiseSumWasm,
  type TileShape,
  wasmDepthwiseSupport,
} from "../../lib/ops/large_depthwise/wasm_depthwise.ts";
import { type Case, CASES, caseTensors, tfjsReference } from "./_shapes.ts";

/** The shared parity cases plus SLaK's rectangular kernels, 61×61 and channel tails. */
const WASM_CASES: Case[] = [
  ...CASES,
  [2, 12, 10, 6, 51, 5],
  [1, 10, 13, 7, 5, 51],
  [2, 9, 8, 5, 61, 61],
  [1, 11, 9, 2, 31, 31],
  [3, 7, 7, 4, 13, 5],
];

/** Register tiles exercised: the default 7×1 and others (odd/even R, V = 2 and 3). */
const TILES: TileShape[] = [{ r: 7, v: 1 }, { r: 3, v: 2 }, { r: 1, v: 1 }, { r: 2, v: 3 }];

const U = 2 ** -24;

/** max |got − want| / max |want|. */
function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let d = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return d / Math.max(scale, 1e-30);
}

function assertWithin(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  terms: number,
  what: string,
) {
  const err = relError(got, want);
  const tol = 8 * U * Math.sqrt(terms);
  assert.ok(
    err <= tol,
    `${what}: relative error ${err.toExponential(2)} > ${tol.toExponential(2)}`,
  );
}

function nonNull<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`${what}: the wasm path returned null (no WebAssembly SIMD?)`);
  return v;
}

/** Host arrays of one case (tfjs's seeded normals, as the other parity tests). */
async function caseArrays(c: Case, seed: number) {
  await tf.setBackend("cpu");
  const t = caseTensors(c, seed);
  const ref = tfjsReference(t.x, t.filter, t.dy);
  const out = {
    x: t.x.dataSync() as Float32Array,
    filter: t.filter.dataSync() as Float32Array,
    dy: t.dy.dataSync() as Float32Array,
    ref,
  };
  tf.dispose([t.x, t.filter, t.dy]);
  return out;
}

Deno.test("wasmDepthwiseSupport() reports WebAssembly SIMD in Deno", () => {
  assert.equal(wasmDepthwiseSupport().simd, true);
});

Deno.test("wasm depthwise forward, dx and dW match tfjs's reference kernels", async () => {
  for (const [i, c] of WASM_CASES.entries()) {
    const { x, filter, dy, ref } = await caseArrays(c, 500 + 7 * i);
    const [n, h, w, ch, kh, kw] = c;
    const g = depthwiseGeometry([n, h, w, ch], [kh, kw, ch, 1]);
    const label = `x[${[n, h, w, ch]}] k${kh}x${kw}`;
    const y = nonNull(depthwiseForwardWasm(x, filter, g), label);
    const dx = nonNull(depthwiseBackpropInputWasm(dy, filter, g), label);
    const dw = nonNull(depthwiseBackpropFilterWasm(x, dy, g), label);
    assertWithin(y, ref.y, kh * kw, `${label} forward`);
    assertWithin(dx, ref.dx, kh * kw, `${label} dx`);
    assertWithin(dw, ref.dw, h * w, `${label} dW`);
  }
});

Deno.test("wasm depthwise results are identical for every register tile and call", async () => {
  for (const [i, c] of WASM_CASES.entries()) {
    const { x, filter, dy } = await caseArrays(c, 900 + 3 * i);
    const [n, h, w, ch, kh, kw] = c;
    const g = depthwiseGeometry([n, h, w, ch], [kh, kw, ch, 1]);
    const label = `x[${[n, h, w, ch]}] k${kh}x${kw}`;
    const run = (t: TileShape) => ({
      y: nonNull(depthwiseForwardWasm(x, filter, g, false, t), label),
      dx: nonNull(depthwiseBackpropInputWasm(dy, filter, g, t), label),
      dw: nonNull(depthwiseBackpropFilterWasm(x, dy, g, t), label),
    });
    const base = run(TILES[0]!);
    for (const t of [...TILES, TILES[0]!]) {
      const other = run(t);
      for (const k of ["y", "dx", "dw"] as const) {
        assert.deepEqual(other[k], base[k], `${label} ${k}: tile ${t.r}x${t.v} differs`);
      }
    }
  }
});

Deno.test("wasm depthwise kernels agree with the float64 JS kernels", async () => {
  for (const [i, c] of WASM_CASES.entries()) {
    const { x, filter, dy } = await caseArrays(c, 1300 + 5 * i);
    const [n, h, w, ch, kh, kw] = c;
    const g = depthwiseGeometry([n, h, w, ch], [kh, kw, ch, 1]);
    const label = `x[${[n, h, w, ch]}] k${kh}x${kw}`;
    assertWithin(
      nonNull(depthwiseForwardWasm(x, filter, g), label),
      depthwiseForwardCpu(x, filter, g),
      kh * kw,
      `${label} forward vs JS`,
    );
    assertWithin(
      nonNull(depthwiseBackpropInputWasm(dy, filter, g), label),
      depthwiseBackpropInputCpu(dy, filter, g),
      kh * kw,
      `${label} dx vs JS`,
    );
    assertWithin(
      nonNull(depthwiseBackpropFilterWasm(x, dy, g), label),
      depthwiseBackpropFilterCpu(x, dy, g),
      h * w,
      `${label} dW vs JS`,
    );
  }
});

Deno.test("depthwiseSumWasm() equals two tfjs convs plus bias (and without bias)", async () => {
  const cases: [number, number, number, number, number, number][] = [
    [2, 9, 11, 3, 13, 3],
    [1, 14, 14, 37, 51, 5],
    [3, 7, 7, 8, 13, 5],
    [1, 6, 9, 5, 5, 5],
  ];
  for (const [i, [n, h, w, c, m, k]] of cases.entries()) {
    await tf.setBackend("cpu");
    const seed = 1700 + 5 * i;
    const x = tf.randomNormal([n, h, w, c], 0, 1, "float32", seed) as tf.Tensor4D;
    const kTall = tf.randomNormal([m, k, c, 1], 0, 1, "float32", seed + 1) as tf.Tensor4D;
    const kWide = tf.randomNormal([k, m, c, 1], 0, 1, "float32", seed + 2) as tf.Tensor4D;
    const bias = tf.randomNormal([c], 0, 1, "float32", seed + 3) as tf.Tensor1D;
    const [sum, withBias] = tf.tidy(() => {
      const s = tf.depthwiseConv2d(x, kTall, 1, "same").add(
        tf.depthwiseConv2d(x, kWide, 1, "same"),
      );
      return [s.dataSync(), s.add(bias).dataSync()];
    });
    const terms = [
      { filter: kTall.dataSync() as Float32Array, g: depthwiseGeometry(x.shape, kTall.shape) },
      { filter: kWide.dataSync() as Float32Array, g: depthwiseGeometry(x.shape, kWide.shape) },
    ];
    const xv = x.dataSync() as Float32Array;
    const label = `sum x[${[n, h, w, c]}] ${m}x${k}`;
    const got = nonNull(depthwiseSumWasm(xv, terms, bias.dataSync() as Float32Array), label);
    assertWithin(got, withBias!, 2 * m * k, `${label} + bias`);
    assertWithin(nonNull(depthwiseSumWasm(xv, terms, null), label), sum!, 2 * m * k, label);
    tf.dispose([x, kTall, kWide, bias]);
  }
});

Deno.test("the cpu backend's depthwise kernels run the wasm path", async () => {
  await initBackend("cpu");
  const c: Case = [2, 14, 14, 37, 51, 5];
  const { x, filter, dy } = await caseArrays(c, 2100);
  const g = depthwiseGeometry(c.slice(0, 4), [c[4], c[5], c[3], 1]);
  const xt = tf.tensor4d(x, [c[0], c[1], c[2], c[3]]);
  const ft = tf.tensor4d(filter, [c[4], c[5], c[3], 1]);
  const dyt = tf.tensor4d(dy, xt.shape);
  const y = largeKernelDepthwiseConv2d(xt, ft);
  const dx = largeKernelDepthwiseBackpropInput(dyt, ft);
  const dw = largeKernelDepthwiseBackpropFilter(xt, dyt, ft.shape);
  assert.deepEqual(await y.data(), depthwiseForwardWasm(x, filter, g));
  assert.deepEqual(await dx.data(), depthwiseBackpropInputWasm(dy, filter, g));
  assert.deepEqual(await dw.data(), depthwiseBackpropFilterWasm(x, dy, g));
  tf.dispose([xt, ft, dyt, y, dx, dw]);
});

Deno.test("wasm depthwise returns null (JS fallback) when operands exceed a 32-bit memory", () => {
  const g = depthwiseGeometry([1, 40000, 40000, 1], [3, 3, 1, 1]);
  const tiny = new Float32Array(9);
  assert.equal(depthwiseForwardWasm(tiny, tiny, g), null);
  assert.equal(depthwiseBackpropFilterWasm(tiny, tiny, g), null);
});

Deno.test("wasm depthwise handles empty batches and zero channels without running the kernels", () => {
  const empty = depthwiseGeometry([0, 5, 5, 3], [3, 3, 3, 1]);
  const filter = new Float32Array(27).fill(1);
  assert.deepEqual(depthwiseForwardWasm(new Float32Array(0), filter, empty), new Float32Array(0));
  assert.deepEqual(
    depthwiseBackpropFilterWasm(new Float32Array(0), new Float32Array(0), empty),
    new Float32Array(27),
  );
  const noChannels = depthwiseGeometry([2, 5, 5, 0], [3, 3, 0, 1]);
  const none = new Float32Array(0);
  assert.deepEqual(depthwiseForwardWasm(none, none, noChannels), none);
  assert.deepEqual(depthwiseBackpropInputWasm(none, none, noChannels), none);
  assert.deepEqual(depthwiseBackpropFilterWasm(none, none, noChannels), none);
});
