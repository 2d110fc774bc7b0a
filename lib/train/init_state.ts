/**
 * Initial weights (and optionally masks) for a training run: `slak train --init FILE` or the
 * config field `run.init` (the counterpart of the official `--finetune`).
 *
 * The file is a `.pth` (a training checkpoint's `model` entry, or a bare state_dict) or a
 * `.safetensors` state_dict with the official key names and PyTorch layouts, as `slak infer
 * --weights` reads. Every parameter and buffer of the model must be present with its shape (BN
 * running statistics included; a missing `num_batches_tracked` counts as 0); unlike the official
 * `--finetune`, a head of another shape is an error, not silently re-initialised.
 *
 * Masks are optional: tensors named `masks.<parameter name>` (same shape as the parameter, any
 * numeric dtype, nonzero = active) give the masks of a sparse model; a maskable weight without one
 * is dense (as the official `Masking` drops layers that come out dense). Without any `masks.` key,
 * the masks come from the config's `sparsity.init` rule applied to the loaded weights (SNIP scores
 * are computed on them), as the official code builds its `Masking` after loading `--finetune`.
 * Masks are applied to the loaded weights either way.
 *
 * @module
 */
import type { ModelConfig } from "../config/model_config.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import { toFloat32 } from "../io/host_tensor.ts";
import { permute, torchToTf } from "../models/layout.ts";
import type { Model } from "../models/model.ts";
import { modelParamSpecs } from "../models/param_spec.ts";
import { checkStateDict, loadStateDict } from "../models/state_dict.ts";
import { readWeightsFile } from "../models/weights_file.ts";
import { applyMasks } from "../sparse/mod.ts";
import { DataError } from "../util/errors.ts";
import { listUntrusted, quoteUntrusted } from "../util/quote.ts";
import { setMasks, type Sparse } from "./sparse_state.ts";

/** Key prefix of mask tensors in an init file: `masks.<parameter name>`. */
export const MASK_KEY_PREFIX = "masks.";

/** An init file read from disk, split into weights and masks (both PyTorch layout). */
export interface InitState {
  /** The file, for messages. */
  source: string;
  /** The state_dict without the mask tensors. */
  weights: Map<string, HostTensor>;
  /** Mask tensors by parameter name, or null when the file has none. */
  masks: Map<string, HostTensor> | null;
}

/**
 * Reads an init file (.pth or .safetensors) and splits off its `masks.` tensors.
 * @throws DataError naming the file when it is missing or not a weights file
 */
export async function readInitState(path: string): Promise<InitState> {
  const file = await readWeightsFile(path, { entry: "model" });
  const weights = new Map<string, HostTensor>();
  const masks = new Map<string, HostTensor>();
  for (const [k, v] of file.state) {
    if (k.startsWith(MASK_KEY_PREFIX)) masks.set(k.slice(MASK_KEY_PREFIX.length), v);
    else weights.set(k, v);
  }
  return { source: `--init ${path}`, weights, masks: masks.size > 0 ? masks : null };
}

/**
 * Checks the weights of `init` against a model config without building it (every key with its
 * PyTorch shape, no extra key), so that a misfit fails before training starts.
 * @throws DataError naming the file, the keys and the expected shapes
 */
export function checkInitState(init: InitState, config: ModelConfig): void {
  checkStateDict(config, init.weights, init.source);
}

/** Assigns the weights and buffers of `init` to `model` (strict: see {@link checkInitState}). */
export function loadInitWeights(model: Model, init: InitState): void {
  loadStateDict(model, init.weights, init.source);
}

/**
 * The host masks (tfjs layout, 1 = active) of `init` for the maskable weights `maskable`.
 * @throws DataError for a mask of a parameter that is not maskable, of the wrong shape, or with
 *   values other than 0/1
 */
export function initMasks(
  init: InitState & { masks: Map<string, HostTensor> },
  config: ModelConfig,
  maskable: readonly string[],
): Map<string, Uint8Array> {
  const specs = new Map(modelParamSpecs(config).map((s) => [s.name, s]));
  const allowed = new Set(maskable);
  const out = new Map<string, Uint8Array>();
  for (const [name, t] of init.masks) {
    const key = quoteUntrusted(MASK_KEY_PREFIX + name);
    const spec = specs.get(name);
    if (spec === undefined || !allowed.has(name)) {
      throw new DataError(
        `${init.source}: mask ${key} is for no maskable weight of the model (maskable: 2-D and ` +
          `4-D weights${maskable.length ? `, e.g. ${quoteUntrusted(maskable[0]!)}` : ""})`,
      );
    }
    const same = t.shape.length === spec.torchShape.length &&
      t.shape.every((d, i) => d === spec.torchShape[i]);
    if (!same) {
      throw new DataError(
        `${init.source}: mask ${key} has shape ${listUntrusted(t.shape)}, expected ` +
          `[${spec.torchShape}] (the weight's PyTorch shape)`,
      );
    }
    const values = toFloat32(t);
    const perm = torchToTf(spec.kind);
    const tfOrder = perm ? permute(values, t.shape, perm) : values;
    const m = new Uint8Array(tfOrder.length);
    for (let i = 0; i < m.length; i++) {
      const v = tfOrder[i]!;
      if (v !== 0 && v !== 1) {
        throw new DataError(`${init.source}: mask ${key} holds ${v}; masks hold 0 or 1`);
      }
      m[i] = v;
    }
    out.set(name, m);
  }
  return out;
}

/**
 * Puts `init` into a fresh model: weights and buffers, and, when the file has masks, those masks
 * (into `sp`, applied to the weights). Returns whether masks were given (otherwise the caller
 * initialises them by its `sparsity.init` rule).
 * @throws DataError for weights that do not fit, or masks in a file for a dense model
 */
export function applyInitState(model: Model, sp: Sparse | null, init: InitState): boolean {
  loadInitWeights(model, init);
  if (init.masks === null) return false;
  if (sp === null) {
    throw new DataError(
      `${init.source}: the file has masks (${MASK_KEY_PREFIX}* tensors) but the model is dense ` +
        `(model sparsity 0); set model.overrides.sparsity or remove the masks`,
    );
  }
  const masks = initMasks({ ...init, masks: init.masks }, model.config, sp.maskable);
  setMasks(sp, masks);
  applyMasks(model.params, sp.dev);
  return true;
}

/**
 * What a run records about its init file in meta.json: the path and the SHA-256 of its bytes.
 * @throws DataError naming the file when it cannot be read
 */
export async function initProvenance(path: string): Promise<{ path: string; sha256: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(`run.init (--init): weights file ${path} not found`);
    }
    throw new DataError(`run.init (--init): cannot read ${path} (${(e as Error).message})`);
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return { path, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") };
}
