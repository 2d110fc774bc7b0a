/**
 * AdamW with decoupled weight decay, exactly PyTorch's `torch.optim.AdamW` update (non-amsgrad,
 * not maximize), with the official ConvNeXt/SLaK parameter grouping: no weight decay on 1-D
 * parameters (norms, layer scale) and biases. Moments are tfjs variables so that checkpoints can
 * save and restore them exactly.
 *
 * @module
 */
import { adamwUpdate } from "../ops/mod.ts";
import { tf } from "../tf.ts";

/** Hyper-parameters of {@link AdamW}. */
export interface AdamWOptions {
  /** Moment decay rates (β1, β2). */
  betas: [number, number];
  /** Added to √v in the denominator. */
  eps: number;
  /** Decoupled weight decay (applied where `decays` says so). */
  weightDecay: number;
  /**
   * Per-parameter factor on the step's lr (layer-wise lr decay: the group lr of mmcv's
   * constructor, used by the update and the decoupled decay alike); absent names get 1.
   */
  lrScales?: ReadonlyMap<string, number>;
}

/**
 * Whether a parameter gets weight decay (official `get_parameter_groups`: not when 1-D or the
 * name ends in `.bias`).
 */
export function decays(name: string, shape: readonly number[]): boolean {
  return !(shape.length <= 1 || name.endsWith(".bias"));
}

/**
 * AdamW state over a fixed set of named parameters. One {@link AdamW.step} per optimizer step:
 *
 *   p ← p·(1 − lr·wd)              (decayed parameters only)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 */
export class AdamW {
  /** The hyper-parameters. */
  readonly opts: AdamWOptions;
  /** First moments by parameter name. */
  readonly m: Map<string, tf.Variable> = new Map<string, tf.Variable>();
  /** Second moments by parameter name. */
  readonly v: Map<string, tf.Variable> = new Map<string, tf.Variable>();
  /** Updates done so far (t of the bias correction). */
  t = 0;

  /** Zero moments for every parameter of `params`. */
  constructor(params: ReadonlyMap<string, tf.Variable>, opts: AdamWOptions) {
    this.opts = opts;
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /**
   * One update of every parameter that has a gradient.
   * @param params parameters by name (same names as at construction)
   * @param grads gradients by name
   * @param lr learning rate of this step
   * @param masks sparsity masks by name: each masked parameter becomes `p ⊙ mask` inside its
   *   update (bit-identical to `applyMasks` after the step; masked parameters without a gradient
   *   are multiplied alone)
   */
  step(
    params: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
    lr: number,
    masks?: ReadonlyMap<string, tf.Tensor>,
  ): void {
    this.t++;
    const [b1, b2] = this.opts.betas;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    tf.tidy(() => {
      for (const [name, p] of params) {
        const g = grads.get(name);
        const mask = masks?.get(name) ?? null;
        if (g === undefined) {
          if (mask !== null) p.assign(tf.mul(p, mask));
          continue;
        }
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const wd = this.opts.weightDecay > 0 && decays(name, p.shape) ? this.opts.weightDecay : 0;
        const [p2, m2, v2] = adamwUpdate(p, m, v, g, {
          lr: lr * (this.opts.lrScales?.get(name) ?? 1),
          beta1: b1,
          beta2: b2,
          eps: this.opts.eps,
          weightDecay: wd,
          biasCorrection1: bc1,
          biasCorrection2: bc2,
        }, mask);
        p.assign(p2);
        m.assign(m2);
        v.assign(v2);
      }
    });
  }

  /** Frees the moment variables. */
  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
  }
}
