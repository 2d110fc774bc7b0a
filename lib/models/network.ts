/**
 * The ConvNeXt/SLaK network skeleton, shared by the training/eval forward pass and the merged
 * (re-parameterised) inference pass: 4×4/4 stem + LN; LN + 2×2/2 downsampling; blocks =
 * large-kernel module → LN → Linear 4C → exact GELU → Linear → layer scale → drop path →
 * residual; global average pool → LN → head. Only the large-kernel module differs between the
 * two, so it is passed in.
 *
 * @module
 */
import {
  layerNorm,
  linear,
  type LinearOptions,
  patchifyConv,
  residualDropPath,
} from "../layers/mod.ts";
import { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";
import type { ModelConfig } from "../config/model_config.ts";

/** What the skeleton needs from a model. */
export interface NetworkParts {
  config: ModelConfig;
  /** The tensor of a parameter (throws for an unknown name). */
  param(name: string): tf.Tensor;
  /** The tensor of an optional parameter (layer scale `gamma`). */
  optional(name: string): tf.Tensor | undefined;
  /** The large-kernel module of block `block` of stage `stage`. */
  largeKernel(x: tf.Tensor4D, stage: number, block: number): tf.Tensor4D;
}

/** Options of {@link runNetwork}. */
export interface NetworkOptions {
  /** Drop path is active (BN mode is the large-kernel module's business). */
  training: boolean;
  /** Source of drop-path draws (required in training when dropPath > 0). */
  rng?: Rng | undefined;
  /** "logits" (default) or "features": the last stage's map before the final norm and pooling. */
  output?: "logits" | "features" | undefined;
}

/** Drop-path rate of every block: linspace(0, dropPath, Σ depths), as the official code. */
export function dropPathRates(depths: readonly number[], rate: number): number[] {
  const total = depths.reduce((a, b) => a + b, 0);
  if (total === 1) return [0];
  return Array.from({ length: total }, (_, i) => (rate * i) / (total - 1));
}

function ln(parts: NetworkParts, prefix: string, x: tf.Tensor): tf.Tensor {
  return layerNorm(
    x,
    parts.param(`${prefix}.weight`) as tf.Tensor1D,
    parts.param(`${prefix}.bias`) as tf.Tensor1D,
    1e-6,
  );
}

function dense(
  parts: NetworkParts,
  prefix: string,
  x: tf.Tensor,
  opts: LinearOptions = {},
): tf.Tensor {
  return linear(
    x,
    parts.param(`${prefix}.weight`) as tf.Tensor2D,
    parts.param(`${prefix}.bias`) as tf.Tensor1D,
    opts,
  );
}

function patchify(parts: NetworkParts, prefix: string, x: tf.Tensor4D): tf.Tensor4D {
  return patchifyConv(
    x,
    parts.param(`${prefix}.weight`) as tf.Tensor4D,
    parts.param(`${prefix}.bias`) as tf.Tensor1D,
  );
}

function block(
  parts: NetworkParts,
  x: tf.Tensor4D,
  stage: number,
  index: number,
  rate: number,
  opts: NetworkOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const p = `stages.${stage}.${index}`;
    let y: tf.Tensor = parts.largeKernel(x, stage, index);
    y = ln(parts, `${p}.norm`, y);
    y = dense(parts, `${p}.pwconv1`, y, { gelu: true });
    const gamma = parts.optional(`${p}.gamma`) as tf.Tensor1D | null | undefined;
    y = dense(parts, `${p}.pwconv2`, y, { scale: gamma ?? null });
    const r = opts.training ? rate : 0;
    if (r > 0 && !opts.rng) throw new Error("forward(): training with drop path needs an rng");
    return residualDropPath(x, y as tf.Tensor4D, r, opts.rng);
  });
}

/**
 * Stage `s` (0..3) of the network: its downsampling layer (the stem for stage 0) and its blocks.
 * `runNetwork` chains the four; the segmentation backbone taps each stage's output.
 */
export function runStage(
  parts: NetworkParts,
  x: tf.Tensor4D,
  s: number,
  opts: NetworkOptions,
): tf.Tensor4D {
  const c = parts.config;
  const rates = dropPathRates(c.depths, c.dropPath);
  const first = c.depths.slice(0, s).reduce((a, b) => a + b, 0);
  return tf.tidy(() => {
    let h: tf.Tensor4D;
    if (s === 0) {
      h = patchify(parts, "downsample_layers.0.0", x);
      h = ln(parts, "downsample_layers.0.1", h) as tf.Tensor4D;
    } else {
      h = ln(parts, `downsample_layers.${s}.0`, x) as tf.Tensor4D;
      h = patchify(parts, `downsample_layers.${s}.1`, h);
    }
    for (let b = 0; b < c.depths[s]!; b++) h = block(parts, h, s, b, rates[first + b]!, opts);
    return h;
  });
}

/** Runs the network on an NHWC batch: logits [N, numClasses] or the last stage's features. */
export function runNetwork(parts: NetworkParts, x: tf.Tensor4D, opts: NetworkOptions): tf.Tensor {
  return tf.tidy(() => {
    let h: tf.Tensor4D = x;
    for (let s = 0; s < 4; s++) h = runStage(parts, h, s, opts);
    if (opts.output === "features") return h;
    const pooled = tf.mean(h, [1, 2]);
    return dense(parts, "head", ln(parts, "norm", pooled));
  });
}
