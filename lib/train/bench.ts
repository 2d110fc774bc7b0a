/**
 * Timing of one training step (forward, backward, AdamW, mask application) on random data, for
 * `slak bench train`. The same work as one optimizer step of `trainRun` without data loading.
 *
 * @module
 */
import { resolveModelConfig } from "../models/resolve.ts";
import { buildModel, disposeModel } from "../models/model.ts";
import { forward } from "../models/forward.ts";
import {
  applyMasks,
  initMasks,
  maskableNames,
  maskTensors,
  pickShapes,
  shapesOf,
  uniformDensities,
} from "../sparse/mod.ts";
import { tf } from "../tf.ts";
import { Rng } from "../util/rng.ts";
import { AdamW } from "./adamw.ts";
import { smoothTargets, softCrossEntropy } from "./loss.ts";

/** Options of {@link benchTrainStep}. */
export interface BenchTrainOptions {
  /** Registry model name. */
  model: string;
  batch: number;
  /** Input height = width. */
  size: number;
  /** Input channels (3 like the PyTorch script). */
  inChannels?: number;
  warmup: number;
  steps: number;
}

/** Result of {@link benchTrainStep}. */
export interface BenchTrainResult {
  model: string;
  batch: number;
  size: number;
  backend: string;
  /** Median milliseconds per training step. */
  msPerStep: number;
  imgPerSec: number;
  sparsity: number;
}

/** Times `steps` training steps after `warmup` untimed ones; reports the median. */
export async function benchTrainStep(o: BenchTrainOptions): Promise<BenchTrainResult> {
  const config = resolveModelConfig(o.model, {
    overrides: { inChannels: o.inChannels ?? 3 },
  });
  const model = buildModel(config, { seed: 0 });
  const rng = Rng.stream(0, "bench");
  const opt = new AdamW(model.params, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 });
  let dev = new Map<string, tf.Tensor>();
  if (config.sparsity > 0) {
    const shapes = pickShapes(shapesOf(model.params), maskableNames(shapesOf(model.params)));
    const masks = initMasks(uniformDensities(shapes, 1 - config.sparsity), shapes, rng);
    dev = maskTensors(masks, shapes);
    applyMasks(model.params, dev);
  }
  const n = o.batch * o.size * o.size * config.inChannels;
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = rng.uniform() * 2 - 1;
  const labels = Int32Array.from({ length: o.batch }, () => rng.int(config.numClasses));
  const x = tf.tensor4d(xs, [o.batch, o.size, o.size, config.inChannels]);
  const t = tf.tensor2d(smoothTargets(labels, config.numClasses, 0.1), [
    o.batch,
    config.numClasses,
  ]);
  const names = [...model.params.keys()];
  const vars = names.map((k) => model.params.get(k)!);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => softCrossEntropy(forward(model, x, { training: true, rng }), t),
        vars,
      );
      opt.step(model.params, new Map(names.map((k, i) => [k, grads[vars[i]!.name]!])), 1e-3, dev);
      return value;
    });
  const times: number[] = [];
  try {
    for (let i = 0; i < o.warmup + o.steps; i++) {
      const t0 = performance.now();
      const loss = step();
      // wait for the queued device work (webgpu): read the loss and one weight
      await loss.data();
      loss.dispose();
      await vars[0]!.data();
      if (i >= o.warmup) times.push(performance.now() - t0);
    }
  } finally {
    x.dispose();
    t.dispose();
    dev.forEach((d) => d.dispose());
    opt.dispose();
    disposeModel(model);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)]!;
  return {
    model: o.model,
    batch: o.batch,
    size: o.size,
    backend: tf.getBackend(),
    msPerStep: ms,
    imgPerSec: (o.batch * 1000) / ms,
    sparsity: config.sparsity,
  };
}
