// The gradient of one training step of a whole (tiny) SLaK model, w.r.t. every parameter, must be
// the true gradient. The model covers every layer kind a SLaK training step differentiates: the
// patchify stem and downsampling convs, LayerNorm, the decomposed large-kernel module (M×N + N×M
// + N×N depthwise branches, each with training-mode BatchNorm on batch statistics), the MLP
// (linear, exact GELU, linear), layer scale, residuals, pooling, the final norm and the head;
// loss: soft-target cross-entropy on label-smoothed targets, drop path 0. Two independent checks:
//
// 1. Reference kernels: the same model and batch differentiated on a second cpu backend that
//    carries only tfjs's own kernels. Our ops take their composite (plain tfjs ops) path on any
//    backend that is not "cpu", and the large depthwise conv and its two backprops run through
//    tfjs's DepthwiseConv2dNative kernels there, so this compares every custom kernel and custom
//    gradient of lib/ops (matmul, LayerNorm, GELU, BatchNorm, channel affine, large depthwise)
//    against tfjs, element by element, inside the full model.
// 2. Central finite differences of the float32 loss, which also cover what check 1 shares between
//    both runs (the gradient wiring of the large depthwise op, the layers and the model).
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  initBackend,
  SLAK_DEPTHWISE,
  SLAK_DEPTHWISE_BACKPROP_FILTER,
  SLAK_DEPTHWISE_BACKPROP_INPUT,
} from "../../lib/ops/mod.ts";
import {
  buildModel,
  disposeModel,
  forward,
  type Model,
  numel,
  type ParamSpec,
  resolveModelConfig,
} from "../../lib/models/mod.ts";
import { smoothTargets, softCrossEntropy } from "../../lib/train/loss.ts";
import { Rng } from "../../lib/util/rng.ts";

await initBackend("cpu");

/** A cpu backend with tfjs's kernels only (ours are registered for "cpu" and "webgpu"). */
const REFERENCE = "cpu-tfjs-reference";

function registerReferenceBackend(): void {
  if (tf.findBackendFactory(REFERENCE) !== null) return;
  tf.registerBackend(REFERENCE, tf.findBackendFactory("cpu")!, -1);
  for (const k of tf.getKernelsForBackend("cpu")) {
    if (!k.kernelName.startsWith("Slak")) tf.registerKernel({ ...k, backendName: REFERENCE });
  }
  // our depthwise op has no composite path: run its kernel names through tfjs's depthwise kernels
  const same: tf.NamedAttrMap = { strides: 1, pad: "same", dilations: 1 };
  const via = (ours: string, theirs: string) => {
    const f = tf.getKernel(theirs, "cpu")!.kernelFunc;
    tf.registerKernel({
      kernelName: ours,
      backendName: REFERENCE,
      kernelFunc: (args) => f({ ...args, attrs: { ...same, ...args.attrs } }),
    });
  };
  via(SLAK_DEPTHWISE, tf.DepthwiseConv2dNative);
  via(SLAK_DEPTHWISE_BACKPROP_INPUT, tf.DepthwiseConv2dNativeBackpropInput);
  via(SLAK_DEPTHWISE_BACKPROP_FILTER, tf.DepthwiseConv2dNativeBackpropFilter);
}
registerReferenceBackend();

/** A tiny model, one batch and its smoothed targets. */
interface Fixture {
  model: Model;
  x: tf.Tensor4D;
  targets: tf.Tensor2D;
  /** Trainable parameters in official order. */
  specs: ParamSpec[];
  vars: tf.Variable[];
}

/**
 * Fan-in scaled random values for a parameter. The official init (std 0.02, layer scale 1e-6)
 * would leave every block's gradient ~1e-6 of the head's, below float32 finite differences; a
 * gradient check needs every parameter to matter, so norms, BN affines and layer scale get O(1)
 * values around their init and biases O(0.3).
 */
function randomValues(spec: ParamSpec, rng: Rng): Float32Array {
  const s = spec.shape;
  const fanIn = spec.kind === "dwconv"
    ? s[0]! * s[1]!
    : spec.kind === "conv" || spec.kind === "linear"
    ? numel(s.slice(0, -1))
    : 0;
  return Float32Array.from({ length: numel(s) }, () => {
    const z = rng.normal();
    if (fanIn > 0) return z / Math.sqrt(fanIn);
    return spec.kind === "norm_weight" || spec.kind === "gamma" ? 1 + 0.3 * z : 0.3 * z;
  });
}

function makeFixture(): Fixture {
  // slak_nano's structure, shrunk: stage maps 16, 8, 4, 2 for a 64 px input; kernels 15 (about
  // the map), 7, 5, 3 with short edge 3 (so stages 0-2 have all three branches, stage 3 two)
  const config = resolveModelConfig("slak_nano", {
    overrides: {
      depths: [1, 1, 2, 1],
      dims: [6, 8, 10, 12],
      widthFactor: 1,
      kernelSizes: [15, 7, 5, 3],
      smallKernel: 3,
      numClasses: 5,
      dropPath: 0,
      layerScaleInit: 0.5,
    },
  });
  const model = buildModel(config, { seed: 0 });
  const rng = Rng.stream(0, "gradcheck");
  const specs = model.specs.filter((s) => !s.buffer);
  const vars = specs.map((s) => model.params.get(s.name)!);
  specs.forEach((s, i) => vars[i]!.assign(tf.tensor(randomValues(s, rng), s.shape)));
  const n = 3;
  const x = tf.tensor4d(Float32Array.from({ length: n * 64 * 64 * 3 }, () => rng.normal()), [
    n,
    64,
    64,
    3,
  ]);
  const labels = Int32Array.from([0, 3, 1]);
  const targets = tf.tensor2d(smoothTargets(labels, config.numClasses, 0.1), [
    n,
    config.numClasses,
  ]);
  return { model, x, targets, specs, vars };
}

function disposeFixture(f: Fixture): void {
  tf.dispose([f.x, f.targets]);
  disposeModel(f.model);
}

/** The training loss: train mode (BN on batch statistics), no drop path. */
function trainingLoss(f: Fixture): tf.Scalar {
  return softCrossEntropy(forward(f.model, f.x, { training: true }), f.targets);
}

/** Loss and the gradient of every trainable parameter (host copies, in `f.vars` order). */
function lossAndGrads(f: Fixture): { loss: number; grads: Float32Array[] } {
  const { value, grads } = tf.variableGrads(() => trainingLoss(f), f.vars);
  const out = f.vars.map((v) => Float32Array.from(grads[v.name]!.dataSync() as Float32Array));
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

Deno.test("training gradients of a whole SLaK model equal tfjs's reference kernels", async () => {
  const f = makeFixture();
  try {
    const ours = lossAndGrads(f);
    let ref: { loss: number; grads: Float32Array[] };
    await tf.setBackend(REFERENCE);
    try {
      ref = lossAndGrads(f);
    } finally {
      await tf.setBackend("cpu");
    }
    assert.ok(
      Math.abs(ours.loss - ref.loss) <= 1e-5 * ref.loss,
      `loss ${ours.loss} vs ${ref.loss}`,
    );
    // Both sides are float32 with different summation orders (fused kernels with float64
    // statistics vs tfjs's composites); measured max |ours − ref| ≤ 6e-6 · max|ref| per tensor.
    // 1e-4 leaves ~20× margin; a wrong sign, a missing term or a shifted tap is O(1) of max|ref|.
    for (const [i, spec] of f.specs.entries()) {
      const a = ours.grads[i]!;
      const b = ref.grads[i]!;
      let scale = 0;
      for (const v of b) scale = Math.max(scale, Math.abs(v));
      assert.ok(scale > 1e-3, `${spec.name}: reference gradient is ~0 (max ${scale})`);
      for (let j = 0; j < b.length; j++) {
        assert.ok(
          Math.abs(a[j]! - b[j]!) <= 1e-4 * scale,
          `${spec.name}[${j}]: ours ${a[j]} vs tfjs reference ${b[j]} (max |ref| ${scale})`,
        );
      }
    }
  } finally {
    disposeFixture(f);
  }
});

/**
 * Finite-difference tolerance: |fd − analytic| ≤ FD_ATOL + FD_RTOL · |analytic|, for central
 * differences with a perturbation of Euclidean norm FD_STEP.
 *
 * - Noise: the loss (≈ 2) is evaluated in float32; its rounding noise δ is a few ulp (ulp(2) =
 *   2.4e-7; measured δ ≲ 5e-7), giving δ / FD_STEP ≲ 5e-5 in the difference quotient.
 * - Truncation: FD_STEP² / 6 · |∂³L| along the direction; measured ≤ 7e-4 for the largest
 *   gradients (|g| ≈ 0.9, i.e. < 0.1 % relative) and ≤ 1e-4 absolute elsewhere.
 * So FD_ATOL = 2e-4 (4× the noise floor) and FD_RTOL = 2e-2 (20× the largest relative
 * truncation seen). The worst check uses about a fifth of its tolerance; a sign error or a
 * dropped term is O(100 %) of the gradient, and even a 10 % error in one op's gradient (the
 * layer-scale multiply) fails.
 */
const FD_STEP = 1e-2;
const FD_ATOL = 2e-4;
const FD_RTOL = 2e-2;

/** (L(θ + h·d) − L(θ − h·d)) / 2h for a direction `d` over one parameter tensor. */
function centralDifference(f: Fixture, index: number, d: Float32Array): number {
  const v = f.vars[index]!;
  const orig = tf.clone(v);
  const step = tf.mul(tf.tensor(d, v.shape), FD_STEP);
  const lossAt = (t: tf.Tensor) => {
    v.assign(t);
    return tf.tidy(() => trainingLoss(f).dataSync()[0]!);
  };
  try {
    const plus = tf.add(orig, step);
    const minus = tf.sub(orig, step);
    const lp = lossAt(plus);
    const lm = lossAt(minus);
    tf.dispose([plus, minus]);
    return (lp - lm) / (2 * FD_STEP);
  } finally {
    v.assign(orig);
    tf.dispose([orig, step]);
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

Deno.test("training gradients of a whole SLaK model match central finite differences", () => {
  const f = makeFixture();
  const rng = Rng.stream(1, "gradcheck-directions");
  const failures: string[] = [];
  const check = (what: string, index: number, d: Float32Array, grad: Float32Array) => {
    const fd = centralDifference(f, index, d);
    const an = dot(d, grad);
    if (!(Math.abs(fd - an) <= FD_ATOL + FD_RTOL * Math.abs(an))) {
      failures.push(
        `${what}: analytic ${an.toExponential(4)}, finite difference ${fd.toExponential(4)}`,
      );
    }
  };
  try {
    const { grads } = lossAndGrads(f);
    // every tensor along a random unit direction (±1/√n per element): all of its elements at once
    for (const [i, spec] of f.specs.entries()) {
      const n = numel(spec.shape);
      const d = Float32Array.from(
        { length: n },
        () => (rng.uniform() < 0.5 ? -1 : 1) / Math.sqrt(n),
      );
      check(`${spec.name} along a random direction`, i, d, grads[i]!);
    }
    // 30 single scalars across every layer kind: a random tensor of each kind in turn, and in it a
    // random element among those with |g| ≥ 0.1·max|g| (so that the signal is far above the noise)
    const byKind = new Map<string, number[]>();
    f.specs.forEach((s, i) => byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), i]));
    const kinds = [...byKind.keys()].sort();
    assert.deepEqual(kinds, [
      "bias",
      "conv",
      "dwconv",
      "gamma",
      "linear",
      "norm_bias",
      "norm_weight",
    ]);
    for (let k = 0; k < 30; k++) {
      const tensors = byKind.get(kinds[k % kinds.length]!)!;
      const i = tensors[rng.int(tensors.length)]!;
      const g = grads[i]!;
      let max = 0;
      for (const v of g) max = Math.max(max, Math.abs(v));
      const big = [...g.keys()].filter((j) => Math.abs(g[j]!) >= 0.1 * max);
      const j = big[rng.int(big.length)]!;
      const d = new Float32Array(g.length);
      d[j] = 1;
      check(`${f.specs[i]!.name}[${j}]`, i, d, g);
    }
    assert.deepEqual(failures, [], `gradient ≠ finite difference:\n${failures.join("\n")}`);
  } finally {
    disposeFixture(f);
  }
});
