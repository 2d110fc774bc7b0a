// The fused linear op ("SlakLinear": matmul + bias, then GELU or a per-channel scale) must give
// the same bits as the composition of our unfused ops (matMul2d → channelAffine bias → geluExact
// or channelAffine scale), forward and every gradient, on the wasm GEMM and on the JS loops, with
// and without a tape; run where traced (and the channel-affine / GELU kernels not); and match
// plain tfjs ops within float32 tolerance.
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { geluExact, initBackend, matMul2d, useFusedCpuOps } from "../../lib/ops/mod.ts";
import { channelAffine } from "../../lib/ops/channel_affine/mod.ts";
import { linearFused, type LinearFusedOptions } from "../../lib/ops/linear/mod.ts";
import { usesWasmMatmul } from "../../lib/ops/matmul/mod.ts";
import { linear } from "../../lib/layers/linear.ts";
import {
  claimAux,
  fileAux,
  pooledAuxBytes,
  recycleBuffer,
  takeBuffer,
} from "../../lib/ops/linear/aux_store.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

function sample(n: number, seed: number, spread: number): Float32Array {
  const rng = Rng.stream(seed, "linear-fused");
  return Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * spread);
}

function bits(t: tf.Tensor): number[] {
  return [...new Uint32Array((t.dataSync() as Float32Array).slice().buffer)];
}

/** The unfused composition the fused op replaces. */
function composed(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  opts: LinearFusedOptions,
): tf.Tensor2D {
  let y: tf.Tensor2D = channelAffine(matMul2d(x, w), null, b);
  if (opts.gelu) y = geluExact(y);
  if (opts.scale) y = channelAffine(y, opts.scale, null);
  return y;
}

/** [y, dx, dw, db, dscale?] of `f` for the cotangent `dy`. */
function valueAndGrads(
  f: typeof composed,
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  s: tf.Tensor1D | null,
  opts: LinearFusedOptions,
  dy: tf.Tensor2D,
): tf.Tensor[] {
  const args = s === null ? [x, w, b] : [x, w, b, s];
  const { value, grads } = tf.valueAndGrads((...t: tf.Tensor[]) =>
    f(
      t[0] as tf.Tensor2D,
      t[1] as tf.Tensor2D,
      t[2] as tf.Tensor1D,
      { ...opts, scale: s === null ? null : t[3] as tf.Tensor1D },
    )
  )(args, dy);
  return [value, ...grads];
}

// (m, k, n): wasm GEMM with n a multiple of 8, n not (padded panels), and the JS loops
const SHAPES: [number, number, number][] = [[37, 24, 64], [50, 41, 166], [3, 5, 7]];
const MODES: [string, (s: tf.Tensor1D) => LinearFusedOptions][] = [
  ["bias", () => ({})],
  ["gelu", () => ({ gelu: true })],
  ["scale", (s) => ({ scale: s })],
];

Deno.test("SlakLinear: same bits as the unfused ops, values and gradients, each mode", () => {
  assert.ok(usesWasmMatmul(37, 24, 64) && !usesWasmMatmul(3, 5, 7));
  let seed = 10;
  for (const [m, k, n] of SHAPES) {
    for (const [mode, optsOf] of MODES) {
      const label = `${mode} ${m}x${k}x${n}`;
      tf.tidy(() => {
        const x = tf.tensor2d(sample(m * k, seed++, 3), [m, k]);
        const w = tf.tensor2d(sample(k * n, seed++, 0.5), [k, n]);
        const b = tf.tensor1d(sample(n, seed++, 1));
        const s = tf.tensor1d(sample(n, seed++, 2));
        const dy = tf.tensor2d(sample(m * n, seed++, 1), [m, n]);
        const opts = optsOf(s);
        const scale = opts.scale ?? null;
        const ours = valueAndGrads(linearFused, x, w, b, scale, opts, dy);
        const ref = valueAndGrads(composed, x, w, b, scale, opts, dy);
        assert.equal(ours.length, ref.length, label);
        ours.forEach((t, i) => {
          assert.deepEqual(t.shape, ref[i]!.shape, `${label} output ${i}`);
          assert.deepEqual(bits(t), bits(ref[i]!), `${label} output ${i}`);
        });
        // without a tape (inference): the same forward bits
        assert.deepEqual(bits(linearFused(x, w, b, opts)), bits(ref[0]!), `${label} no tape`);
      });
    }
  }
});

Deno.test("SlakLinear: runs as one kernel pair under a tape, replacing bias, GELU and scale", async () => {
  const [m, k, n] = [40, 16, 32];
  const x = tf.tensor2d(sample(m * k, 1, 1), [m, k]);
  const w = tf.tensor2d(sample(k * n, 2, 1), [k, n]);
  const b = tf.tensor1d(sample(n, 3, 1));
  const s = tf.tensor1d(sample(n, 4, 1));
  try {
    for (const opts of [{ gelu: true }, { scale: s }] as LinearFusedOptions[]) {
      const grad = tf.grads((a: tf.Tensor, c: tf.Tensor) =>
        tf.sum(linearFused(a as tf.Tensor2D, c as tf.Tensor2D, b, opts))
      );
      const info = await tf.profile(() => grad([x, w]));
      const names = info.kernelNames;
      assert.ok(names.includes("SlakLinear") && names.includes("SlakLinearGrad"), names.join());
      for (const old of ["SlakChannelAffine", "SlakGeluTrain", "SlakGelu", "SlakMatMul"]) {
        assert.ok(!names.includes(old), `${old} in ${names.join()}`);
      }
    }
  } finally {
    tf.dispose([x, w, b, s]);
  }
});

Deno.test("linear layer: rank 4 input, fused ops on and off agree with plain tfjs ops", () => {
  const [n, h, wd, cin, cout] = [2, 3, 5, 12, 20];
  tf.tidy(() => {
    const x = tf.tensor4d(sample(n * h * wd * cin, 7, 2), [n, h, wd, cin]);
    const w = tf.tensor2d(sample(cin * cout, 8, 0.5), [cin, cout]);
    const b = tf.tensor1d(sample(cout, 9, 1));
    const s = tf.tensor1d(sample(cout, 10, 1));
    const flat = tf.reshape(x, [-1, cin]) as tf.Tensor2D;
    const pre = tf.add(tf.matMul(flat, w), b);
    const erf = tf.erf(tf.mul(pre, Math.SQRT1_2));
    const plain: Record<string, tf.Tensor> = {
      bias: pre,
      gelu: tf.mul(tf.mul(pre, 0.5), tf.add(erf, 1)),
      scale: tf.mul(pre, s),
    };
    for (const [mode, optsOf] of MODES) {
      const want = plain[mode]!.dataSync();
      for (const fused of [true, false]) {
        const was = useFusedCpuOps(fused);
        try {
          const y = linear(x, w, b, optsOf(s));
          assert.deepEqual(y.shape, [n, h, wd, cout]);
          const got = y.dataSync();
          for (let i = 0; i < want.length; i++) {
            const tol = 1e-5 * (1 + Math.abs(want[i]!));
            assert.ok(Math.abs(got[i]! - want[i]!) <= tol, `${mode} fused=${fused} [${i}]`);
          }
        } finally {
          useFusedCpuOps(was);
        }
      }
    }
  });
});

Deno.test("linearFused: gelu and scale together is refused", () => {
  tf.tidy(() => {
    const x = tf.ones([2, 3]) as tf.Tensor2D;
    const w = tf.ones([3, 4]) as tf.Tensor2D;
    const b = tf.zeros([4]) as tf.Tensor1D;
    assert.throws(() => linearFused(x, w, b, { gelu: true, scale: b }), /gelu and scale/);
  });
});

Deno.test("SlakLinear: pooled backward buffers are reused across steps with unchanged bits", () => {
  const [m, k, n] = [64, 20, 48];
  tf.tidy(() => {
    const x = tf.tensor2d(sample(m * k, 31, 2), [m, k]);
    const w = tf.tensor2d(sample(k * n, 32, 0.5), [k, n]);
    const b = tf.tensor1d(sample(n, 33, 1));
    const s = tf.tensor1d(sample(n, 34, 1));
    for (const [mode, optsOf] of MODES) {
      const opts = optsOf(s);
      const scale = opts.scale ?? null;
      const ref = valueAndGrads(composed, x, w, b, scale, opts, tf.onesLike(tf.zeros([m, n])));
      // a taped forward whose backward never runs leaves nothing behind that breaks later steps
      tf.grad((t: tf.Tensor) => {
        linearFused(t as tf.Tensor2D, w, b, opts);
        return tf.sum(t);
      })(x);
      for (let step = 0; step < 3; step++) {
        const dy = tf.onesLike(tf.zeros([m, n])) as tf.Tensor2D;
        const ours = valueAndGrads(linearFused, x, w, b, scale, opts, dy);
        ours.forEach((t, i) =>
          assert.deepEqual(bits(t), bits(ref[i]!), `${mode} step ${step} #${i}`)
        );
      }
      if (mode !== "bias") assert.ok(pooledAuxBytes() >= 4 * m * n, `${mode}: nothing pooled`);
    }
  });
});

Deno.test("aux store: a buffer is claimed once; the pool hands back what was recycled", () => {
  const handle = {};
  const buf = takeBuffer(1000);
  fileAux(handle, buf);
  assert.equal(claimAux(handle), buf);
  assert.throws(() => claimAux(handle), /already used/);
  recycleBuffer(buf);
  assert.equal(takeBuffer(1000), buf);
  assert.notEqual(takeBuffer(1000), buf);
});
