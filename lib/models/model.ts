/**
 * Building a ConvNeXt/SLaK model: its config, parameter list and tfjs variables keyed by the
 * official state_dict names. Initialisation follows the official code: truncated normal (std 0.02,
 * bounds ±2) for every conv and linear weight, zero biases, norms at (1, 0), layer scale at
 * `layerScaleInit`, and the head's weight and bias scaled by `headInitScale`.
 *
 * @module
 */
import type { ModelConfig } from "../config/model_config.ts";
import { stageDims } from "../config/model_config.ts";
import { tf } from "../tf.ts";
import { Rng } from "../util/rng.ts";
import { numel } from "../util/shape.ts";
import { modelParamSpecs, type ParamSpec } from "./param_spec.ts";

/** A built model: config, specs and variables. Pure data; see `forward`. */
export interface Model {
  /** The resolved model config the model was built from. */
  config: ModelConfig;
  /** Stage widths after the width factor. */
  dims: number[];
  /** Every parameter and buffer, in official order. */
  specs: ParamSpec[];
  /** Trainable parameters by official name (tfjs layout). */
  params: Map<string, tf.Variable>;
  /** BN running statistics and counters by official name. */
  buffers: Map<string, tf.Variable>;
}

/** Options of {@link buildModel}. */
export interface BuildOptions {
  /** Root seed; the "init" stream initialises weights (default 0). */
  seed?: number;
  /** Allocate zero tensors instead of drawing an init (for loading weights right after). */
  zeros?: boolean;
}

function initValues(spec: ParamSpec, config: ModelConfig, rng: Rng): Float32Array {
  const n = numel(spec.shape);
  const out = new Float32Array(n);
  switch (spec.kind) {
    case "conv":
    case "dwconv":
    case "linear": {
      const scale = spec.name === "head.weight" ? config.headInitScale : 1;
      for (let i = 0; i < n; i++) out[i] = rng.truncNormal(0.02) * scale;
      return out;
    }
    case "norm_weight":
    case "bn_var":
      return out.fill(1);
    case "gamma":
      return out.fill(config.layerScaleInit);
    default:
      return out; // biases, norm biases, running means, counters: 0
  }
}

/**
 * Builds a model from a validated config.
 * @example
 * ```ts
 * import { resolveModelConfig } from "./resolve.ts";
 * const m = buildModel(resolveModelConfig("slak_nano"), { seed: 0 });
 * if (!m.params.has("stages.0.0.large_kernel.LoRA1.conv.weight")) throw new Error();
 * disposeModel(m);
 * ```
 */
export function buildModel(config: ModelConfig, opts: BuildOptions = {}): Model {
  const specs = modelParamSpecs(config);
  const rng = Rng.stream(opts.seed ?? 0, "init");
  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const values = opts.zeros ? new Float32Array(numel(spec.shape)) : initValues(spec, config, rng);
    const v = tf.variable(tf.tensor(values, spec.shape, "float32"), !spec.buffer);
    (spec.buffer ? buffers : params).set(spec.name, v);
  }
  return { config, dims: stageDims(config), specs, params, buffers };
}

/** Frees every variable of a model. */
export function disposeModel(model: Model): void {
  for (const v of model.params.values()) v.dispose();
  for (const v of model.buffers.values()) v.dispose();
}

/** The variable of `name` (parameter or buffer); throws for an unknown name. */
export function getVar(model: Model, name: string): tf.Variable {
  const v = model.params.get(name) ?? model.buffers.get(name);
  if (!v) throw new Error(`Model has no parameter "${name}"`);
  return v;
}

/** Total number of trainable parameter elements. */
export function paramCount(model: Model): number {
  let n = 0;
  for (const v of model.params.values()) n += v.size;
  return n;
}
