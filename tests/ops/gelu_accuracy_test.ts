// GELU and GELU′ on the cpu backend (WebAssembly SIMD kernel and its scalar fallback) against the
// exact functions computed in float64 from an independent erfc (series / continued fraction).
//
// "Relative error ≤ 1e-6" is defined as |ours − exact| ≤ 1e-6 · max(scale, 2⁻¹²⁶): for GELU
// scale = |GELU(x)|; for GELU′ = Φ(x) + x·φ(x) scale = Φ(x) + |x|·φ(x), the size of its two terms
// (equal to |GELU′(x)| except near its zero at x ≈ −0.7518, where the exact value cancels).
// 2⁻¹²⁶, the smallest normal float32, bounds the subnormal outputs of the far negative tail.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { geluExact, initBackend } from "../../lib/ops/mod.ts";
import { geluGradScalar, geluScalar } from "../../lib/ops/gelu/gelu_math.ts";
import { geluGradWasm, geluWasm, wasmGeluSupported } from "../../lib/ops/gelu/wasm_gelu.ts";

await initBackend("cpu");

const TINY = 2 ** -126;

/** erfc(z) for z ≥ 0 in float64: power series of erf below 2.5, continued fraction above. */
function erfc(z: number): number {
  const g = Math.exp(-z * z);
  if (z < 2.5) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (2 * z * z) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * g * sum;
  }
  let k = z;
  for (let n = 400; n >= 1; n--) k = z + (n / 2) / k;
  return g / (Math.sqrt(Math.PI) * k);
}

/** [Φ(x), φ(x)] in float64. */
function exactNormal(x: number): [number, number] {
  const q = 0.5 * erfc(Math.abs(x) / Math.SQRT2);
  return [x >= 0 ? 1 - q : q, Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)];
}

/** Dense float32 grid over [−16, 16] plus tiny, huge and non-grid values of both signs. */
function grid(): Float32Array {
  const xs: number[] = [];
  for (let i = -64000; i <= 64000; i++) xs.push(i / 4000);
  for (let i = 0; i < 2000; i++) xs.push(-0.76 + i * 1e-5);
  for (const v of [1e-38, 1e-30, 1e-10, 1e-5, 20, 37.5, 100, 1e4, 1e30, 3e38]) xs.push(v, -v);
  return Float32Array.from(xs);
}

interface Worst {
  err: number;
  at: number;
}

function checkForward(xs: Float32Array, ys: Float32Array, what: string): Worst {
  const worst = { err: 0, at: 0 };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const exact = x * exactNormal(x)[0];
    const rel = Math.abs(ys[i]! - exact) / Math.max(Math.abs(exact), TINY);
    assert.ok(rel <= 1e-6, `${what}: GELU(${x}) = ${ys[i]}, exact ${exact} (rel ${rel})`);
    if (rel > worst.err) Object.assign(worst, { err: rel, at: x });
  }
  return worst;
}

function checkGrad(xs: Float32Array, gs: Float32Array, what: string): Worst {
  const worst = { err: 0, at: 0 };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const [cdf, pdf] = exactNormal(x);
    const exact = cdf + x * pdf;
    const rel = Math.abs(gs[i]! - exact) / Math.max(cdf + Math.abs(x) * pdf, TINY);
    assert.ok(rel <= 1e-6, `${what}: GELU'(${x}) = ${gs[i]}, exact ${exact} (rel ${rel})`);
    if (rel > worst.err) Object.assign(worst, { err: rel, at: x });
  }
  return worst;
}

Deno.test("the exact reference reproduces tabulated erfc and Φ values", () => {
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-13 * b, `${a} vs ${b}`);
  near(erfc(1), 0.157299207050285);
  near(erfc(3), 2.209049699858544e-5);
  near(exactNormal(-5)[0], 2.866515718791939e-7);
  near(exactNormal(1.96)[0], 0.9750021048517795);
});

Deno.test("wasm GELU and GELU′ are within 1e-6 relative of the exact functions", () => {
  assert.ok(wasmGeluSupported(), "WebAssembly SIMD is available in Deno");
  const xs = grid();
  const ones = new Float32Array(xs.length).fill(1);
  const f = checkForward(xs, geluWasm(xs)!, "wasm");
  const g = checkGrad(xs, geluGradWasm(xs, ones)!, "wasm");
  console.log(
    `wasm max rel error: GELU ${f.err.toExponential(2)} at ${f.at}, ` +
      `GELU' ${g.err.toExponential(2)} at ${g.at}`,
  );
});

Deno.test("the scalar fallback is within 1e-6 relative of the exact functions", () => {
  const xs = grid();
  checkForward(xs, xs.map(geluScalar), "scalar");
  checkGrad(xs, xs.map(geluGradScalar), "scalar");
});

Deno.test("wasm GELU′ multiplies by dy; odd lengths and NaN pass through", () => {
  const n = 1003;
  const x = tf.randomNormal([n], 0, 3, "float32", 11).dataSync() as Float32Array;
  const dy = tf.randomNormal([n], 0, 1, "float32", 12).dataSync() as Float32Array;
  x[5] = NaN;
  const y = geluWasm(x)!;
  const dx = geluGradWasm(x, dy)!;
  assert.equal(y.length, n);
  assert.ok(Number.isNaN(y[5]!) && Number.isNaN(dx[5]!));
  for (let i = 0; i < n; i++) {
    if (i === 5) continue;
    const want = Math.fround(dy[i]! * geluGradScalar(x[i]!));
    assert.ok(Math.abs(dx[i]! - want) <= 4e-7 * Math.abs(want) + 1e-30, `dx[${i}]`);
    assert.ok(Math.abs(y[i]! - geluScalar(x[i]!)) <= 4e-7 * Math.abs(y[i]!) + 1e-30, `y[${i}]`);
  }
});

Deno.test("geluExact() on the cpu backend equals tfjs's composite erf GELU, with gradients", () => {
  const x = tf.randomNormal([4, 5, 6, 7], 0, 2, "float32", 13);
  const w = tf.randomNormal([4, 5, 6, 7], 0, 1, "float32", 14);
  const comp = (v: tf.Tensor) => tf.mul(tf.mul(v, 0.5), tf.add(tf.erf(tf.mul(v, Math.SQRT1_2)), 1));
  const a = geluExact(x).dataSync();
  const b = comp(x).dataSync();
  // tfjs's Erf is Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7 absolute)
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6 * (1 + Math.abs(b[i]!)));
  }
  const ga = tf.grad((v) => tf.sum(tf.mul(geluExact(v), w)))(x).dataSync();
  const gb = tf.grad((v) => tf.sum(tf.mul(comp(v), w)))(x).dataSync();
  for (let i = 0; i < ga.length; i++) {
    assert.ok(Math.abs(ga[i]! - gb[i]!) <= 1e-5 * (1 + Math.abs(gb[i]!)));
  }
});
