/**
 * The forward pass of ConvNeXt and SLaK in NHWC, exactly the official architecture: 4×4/4 stem +
 * LN; LN + 2×2/2 downsampling; blocks = large-kernel module → LN → Linear 4C → exact GELU →
 * Linear → layer scale → drop path → residual; global average pool → LN → head.
 *
 * @module
 */
import {
  type BatchNormParams,
  type DepthwiseBranch,
  dropPath,
  gelu,
  largeKernelModule,
  layerNorm,
  patchifyConv,
} from "../layers/mod.ts";
import { channelAffine, matMul2d } from "../ops/mod.ts";
import { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";
import { getVar, type Model } from "./model.ts";
import { largeKernelBranches } from "./param_spec.ts";

/** Options of {@link forward}. */
export interface ForwardOptions {
  /** Train mode: BN uses and updates batch statistics; drop path is active. */
  training: boolean;
  /** Source of drop-path draws (required in training when dropPath > 0). */
  rng?: Rng | undefined;
  /**
   * What to return: "logits" (default) or "features": the last stage's map (NHWC) before the final
   * norm and pooling (the ERF measurement point).
   */
  output?: "logits" | "features";
}

/** Drop-path rate of every block: linspace(0, dropPath, Σ depths), as the official code. */
export function dropPathRates(depths: readonly number[], rate: number): number[] {
  const total = depths.reduce((a, b) => a + b, 0);
  if (total === 1) return [0];
  return Array.from({ length: total }, (_, i) => (rate * i) / (total - 1));
}

function branchesOf(model: Model, stage: number, block: number): DepthwiseBranch[] {
  const c = model.config;
  return largeKernelBranches(c, stage, block).map((br) => {
    if (c.arch === "convnext") {
      return {
        weight: getVar(model, `${br.prefix}.weight`),
        bias: getVar(model, `${br.prefix}.bias`),
      };
    }
    const out: DepthwiseBranch = { weight: getVar(model, `${br.prefix}.conv.weight`) };
    if (c.bn) {
      const p = `${br.prefix}.bn`;
      const bn: BatchNormParams = {
        weight: getVar(model, `${p}.weight`),
        bias: getVar(model, `${p}.bias`),
        runningMean: getVar(model, `${p}.running_mean`),
        runningVar: getVar(model, `${p}.running_var`),
        numBatchesTracked: getVar(model, `${p}.num_batches_tracked`),
      };
      out.bn = bn;
    }
    return out;
  });
}

function ln(model: Model, prefix: string, x: tf.Tensor): tf.Tensor {
  return layerNorm(
    x,
    getVar(model, `${prefix}.weight`) as tf.Tensor1D,
    getVar(model, `${prefix}.bias`) as tf.Tensor1D,
    1e-6,
  );
}

function linear(model: Model, prefix: string, x: tf.Tensor): tf.Tensor {
  const w = getVar(model, `${prefix}.weight`) as tf.Tensor2D;
  const b = getVar(model, `${prefix}.bias`);
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]!]) as tf.Tensor2D;
  const y = channelAffine(matMul2d(flat, w), null, b as tf.Tensor1D);
  return tf.reshape(y, [...shape.slice(0, -1), w.shape[1]]);
}

function block(
  model: Model,
  x: tf.Tensor4D,
  stage: number,
  index: number,
  rate: number,
  opts: ForwardOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const p = `stages.${stage}.${index}`;
    let y: tf.Tensor = largeKernelModule(x, branchesOf(model, stage, index), opts.training);
    y = ln(model, `${p}.norm`, y);
    y = linear(model, `${p}.pwconv1`, y);
    y = gelu(y);
    y = linear(model, `${p}.pwconv2`, y);
    const gamma = model.params.get(`${p}.gamma`);
    if (gamma) y = channelAffine(y, gamma as tf.Tensor1D, null);
    if (opts.training && rate > 0) {
      if (!opts.rng) throw new Error("forward(): training with drop path needs an rng");
      y = dropPath(y, rate, opts.rng);
    }
    return tf.add(x, y) as tf.Tensor4D;
  });
}

/**
 * Runs the model on an NHWC batch. Returns logits [N, numClasses] (or the last stage's features).
 * In training mode BN running statistics are updated as a side effect.
 */
export function forward(model: Model, x: tf.Tensor4D, opts: ForwardOptions): tf.Tensor {
  const c = model.config;
  const rates = dropPathRates(c.depths, c.dropPath);
  return tf.tidy(() => {
    let h: tf.Tensor4D = x;
    let cur = 0;
    for (let s = 0; s < 4; s++) {
      if (s === 0) {
        h = patchifyConv(
          h,
          getVar(model, "downsample_layers.0.0.weight") as tf.Tensor4D,
          getVar(model, "downsample_layers.0.0.bias") as tf.Tensor1D,
        );
        h = ln(model, "downsample_layers.0.1", h) as tf.Tensor4D;
      } else {
        h = ln(model, `downsample_layers.${s}.0`, h) as tf.Tensor4D;
        h = patchifyConv(
          h,
          getVar(model, `downsample_layers.${s}.1.weight`) as tf.Tensor4D,
          getVar(model, `downsample_layers.${s}.1.bias`) as tf.Tensor1D,
        );
      }
      for (let b = 0; b < c.depths[s]!; b++) {
        h = block(model, h, s, b, rates[cur + b]!, opts);
      }
      cur += c.depths[s]!;
    }
    if (opts.output === "features") return h;
    const pooled = tf.mean(h, [1, 2]);
    return linear(model, "head", ln(model, "norm", pooled));
  });
}
