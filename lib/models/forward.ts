/**
 * The forward pass of ConvNeXt and SLaK in NHWC (train and eval modes): the shared network
 * skeleton (network.ts) with the unmerged large-kernel module — every branch of the official
 * `ReparamLargeKernelConv` with its BatchNorm (batch statistics and running-stat updates in
 * training), or ConvNeXt's depthwise conv with bias.
 *
 * @module
 */
import { type BatchNormParams, type DepthwiseBranch, largeKernelModule } from "../layers/mod.ts";
import type { tf } from "../tf.ts";
import type { Rng } from "../util/rng.ts";
import { getVar, type Model } from "./model.ts";
import { type NetworkParts, runNetwork } from "./network.ts";
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

/**
 * The network parts of a model's unmerged form (its variables and large-kernel branches with BN in
 * train or eval mode), for the shared skeleton (network.ts). Works for any {@link Model} whose
 * specs hold the body's keys, such as the segmentation backbone.
 */
export function networkParts(model: Model, training: boolean): NetworkParts {
  return {
    config: model.config,
    param: (name) => getVar(model, name),
    optional: (name) => model.params.get(name),
    largeKernel: (h, s, b) => largeKernelModule(h, branchesOf(model, s, b), training),
  };
}

/**
 * Runs the model on an NHWC batch. Returns logits [N, numClasses] (or the last stage's features).
 * In training mode BN running statistics are updated as a side effect.
 */
export function forward(model: Model, x: tf.Tensor4D, opts: ForwardOptions): tf.Tensor {
  return runNetwork(networkParts(model, opts.training), x, opts);
}
