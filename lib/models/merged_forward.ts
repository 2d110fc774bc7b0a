/**
 * Eval-mode forward pass of a re-parameterised model ({@link MergedModel}): the same network as
 * `forward`, with each block's large-kernel module replaced by its merged form — the fused
 * decomposed op (two kernels + bias), one K×K depthwise conv + bias, or, where the merged kernel
 * is sparse enough to win, the sparse-tap op over its non-zero taps. Layer scale is folded into
 * each block's second pointwise layer.
 *
 * @module
 */
import type { HostTensor } from "../io/host_tensor.ts";
import {
  buildTapList,
  fusedDecomposedDepthwise,
  isCpuBackend,
  largeKernelDepthwiseConv2d,
  releaseTapList,
  sparseTapDepthwise,
  sparseWorkRatio,
  type TapKernel,
  type TapList,
  wasmDepthwiseSupport,
} from "../ops/mod.ts";
import { withConstantOperands } from "../ops/matmul/mod.ts";
import { tf } from "../tf.ts";
import { runNetwork } from "./network.ts";
import { predictBatches } from "./predict.ts";
import { mergedLkNames, type MergedModel } from "./merged_form.ts";

/** When to use the sparse-tap path: never, by the cost rule, or always. */
export type SparseMode = "off" | "auto" | "on";

/**
 * Default cost threshold of the "auto" rule on WebGPU: the sparse path is taken when its estimated
 * work (listed taps × outputs) is below this fraction of the dense fused op's in-image work.
 * Measured with `slak bench infer` (see BENCHMARKS.md, Inference): on lavapipe the sparse kernel
 * loses at SLaK's 60 % density, so the rule keeps it off there.
 */
export const DEFAULT_SPARSE_THRESHOLD = 0.75;

/**
 * Default threshold on the cpu backend without WebAssembly SIMD (plain-JS dense kernels), where the
 * sparse-tap loops skip zero taps outright and won at every stage of SLaK-T at 40 % sparsity (work
 * ratios 0.78–1.23): merged + sparse 1.50x vs merged 1.19x of dense unmerged at 224 px, 1.83x vs
 * 1.69x at 64 px (BENCHMARKS.md).
 */
export const CPU_SPARSE_THRESHOLD = 1.5;

/**
 * Default threshold on the cpu backend with the WebAssembly SIMD depthwise kernels: the fused
 * dense op runs 7–10x faster than the plain-JS sparse-tap loops at SLaK-T's stages with 40 % zeros
 * (work ratios 0.77–1.20; break-even ratios 0.07–0.17), so sparse pays only for far sparser kernels.
 */
export const CPU_WASM_SPARSE_THRESHOLD = 0.1;

/** The "auto" threshold for the current backend. */
export function defaultSparseThreshold(): number {
  if (!isCpuBackend()) return DEFAULT_SPARSE_THRESHOLD;
  return wasmDepthwiseSupport().simd ? CPU_WASM_SPARSE_THRESHOLD : CPU_SPARSE_THRESHOLD;
}

/** Options of {@link forwardMerged}. */
export interface MergedForwardOptions {
  /** "logits" (default) or "features" (the last stage's map before the final norm). */
  output?: "logits" | "features";
  /** Sparse-tap path selection (default "off"). */
  sparse?: SparseMode;
  /** Threshold of the "auto" rule (default {@link DEFAULT_SPARSE_THRESHOLD}). */
  sparseThreshold?: number;
}

/** How one block's large-kernel module runs at one input size. */
export interface BlockPlan {
  stage: number;
  block: number;
  /** Listed taps / dense merged kernel positions. */
  density: number;
  /** Estimated sparse work / dense in-image work. */
  workRatio: number;
  sparse: boolean;
  taps: TapList;
}

const plans = new WeakMap<MergedModel, Map<string, BlockPlan>>();
/** Per model: pwconv2 weight and bias with the block's layer scale folded in, by name. */
const folded = new WeakMap<MergedModel, Map<string, tf.Tensor>>();

function p(model: MergedModel, name: string): tf.Tensor {
  const t = model.params.get(name);
  if (!t) throw new Error(`Merged model has no parameter "${name}"`);
  return t;
}

function kernelsOf(model: MergedModel, stage: number, block: number): TapKernel[] {
  const names = mergedLkNames(model.config, stage, block, model.form);
  const list = model.form === "two-kernels" && model.config.arch === "slak"
    ? [names.tall!, names.wide!]
    : [names.kernel!];
  return list.map((n) => {
    const t = p(model, n);
    const data = model.lkHost.get(n);
    if (!data) throw new Error(`Merged model has no host copy of "${n}"`);
    return { data, kh: t.shape[0]!, kw: t.shape[1]! };
  });
}

/**
 * The block parameters with layer scale γ folded into the second pointwise layer, computed once
 * per model: `pwconv2.weight`·diag(γ) ([in, out] scaled per output column) and `pwconv2.bias`·γ,
 * so that a block runs one channel affine fewer (γ(xW + b) = x(Wγ) + bγ, up to float32
 * rounding). Blocks without γ are absent.
 */
function layerScaleFolded(model: MergedModel): Map<string, tf.Tensor> {
  let out = folded.get(model);
  if (out) return out;
  out = new Map();
  for (let s = 0; s < 4; s++) {
    for (let b = 0; b < model.config.depths[s]!; b++) {
      const pre = `stages.${s}.${b}`;
      const gamma = model.params.get(`${pre}.gamma`);
      if (!gamma) continue;
      for (const n of [`${pre}.pwconv2.weight`, `${pre}.pwconv2.bias`]) {
        out.set(n, tf.keep(tf.mul(p(model, n), gamma)));
      }
    }
  }
  folded.set(model, out);
  return out;
}

/**
 * The plan of block (stage, block) for an h×w map: its tap list (cached per model and size) and
 * whether the sparse path is taken under `mode` / `threshold`.
 */
export function blockPlan(
  model: MergedModel,
  stage: number,
  block: number,
  h: number,
  w: number,
  mode: SparseMode,
  threshold = defaultSparseThreshold(),
): BlockPlan {
  let cache = plans.get(model);
  if (!cache) plans.set(model, cache = new Map());
  const key = `${stage}.${block}.${h}x${w}`;
  let plan = cache.get(key);
  if (!plan) {
    const kernels = kernelsOf(model, stage, block);
    const taps = buildTapList(kernels, model.dims[stage]!, { h, w });
    const full = buildTapList(kernels, model.dims[stage]!);
    plan = {
      stage,
      block,
      density: full.w.length / full.denseTaps,
      workRatio: sparseWorkRatio(taps, kernels, h, w),
      sparse: false,
      taps,
    };
    cache.set(key, plan);
  }
  const sparse = mode === "on" || (mode === "auto" && plan.workRatio < threshold);
  return { ...plan, sparse };
}

function largeKernel(
  model: MergedModel,
  x: tf.Tensor4D,
  stage: number,
  block: number,
  opts: MergedForwardOptions,
): tf.Tensor4D {
  const names = mergedLkNames(model.config, stage, block, model.form);
  const bias = p(model, names.bias) as tf.Tensor1D;
  const mode = opts.sparse ?? "off";
  if (mode !== "off") {
    const plan = blockPlan(model, stage, block, x.shape[1], x.shape[2], mode, opts.sparseThreshold);
    if (plan.sparse) return sparseTapDepthwise(x, plan.taps, bias);
  }
  if (names.tall) {
    return fusedDecomposedDepthwise(
      x,
      p(model, names.tall) as tf.Tensor4D,
      p(model, names.wide!) as tf.Tensor4D,
      bias,
    );
  }
  return tf.add(largeKernelDepthwiseConv2d(x, p(model, names.kernel!) as tf.Tensor4D), bias);
}

/**
 * Eval-mode forward of a merged model on an NHWC batch: logits (or last-stage features). On the
 * cpu backend the matmuls keep their packed weight panels between calls (`withConstantOperands`),
 * so the model's parameters must not be modified in place while it is in use.
 */
export function forwardMerged(
  model: MergedModel,
  x: tf.Tensor4D,
  opts: MergedForwardOptions = {},
): tf.Tensor {
  const scaled = layerScaleFolded(model);
  // the merged model's weights never change: matmuls reuse their packed weight panels
  return withConstantOperands(() =>
    runNetwork(
      {
        config: model.config,
        param: (name) => scaled.get(name) ?? p(model, name),
        // γ is folded into pwconv2 (layerScaleFolded)
        optional: (name) => name.endsWith(".gamma") ? undefined : model.params.get(name),
        largeKernel: (h, s, b) => largeKernel(model, h, s, b, opts),
      },
      x,
      { training: false, output: opts.output },
    )
  );
}

/** As `predictNchw` for a merged model: logits [N, numClasses] row-major. */
export function predictMergedNchw(
  model: MergedModel,
  x: HostTensor,
  batchSize = 8,
  opts: MergedForwardOptions = {},
): Promise<Float32Array> {
  return predictBatches(
    (nhwc) => forwardMerged(model, nhwc, { ...opts, output: "logits" }),
    model.config.numClasses,
    x,
    batchSize,
  );
}

/** Frees the tensors of a merged model and the device copies of its tap lists. */
export function disposeMergedModel(model: MergedModel): void {
  for (const plan of plans.get(model)?.values() ?? []) releaseTapList(plan.taps);
  plans.delete(model);
  for (const t of folded.get(model)?.values() ?? []) t.dispose();
  folded.delete(model);
  for (const t of model.params.values()) t.dispose();
}
