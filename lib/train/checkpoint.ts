/**
 * The training state file (`checkpoints/state.safetensors`): everything a run needs to continue
 * exactly where it stopped, in ONE file written atomically, so that a kill at any moment leaves
 * either the previous or the new state, never a mix. Tensors (tfjs layouts, float32; masks uint8):
 * `param.*`, `buffer.*`, `adam_m.*`, `adam_v.*`, `ema.*`, `mask.*`; the scalar state (step, epoch,
 * Rng streams, loader position, running sums) is JSON in the metadata key {@link STATE_KEY}.
 *
 * @module
 */
import type { HostTensor } from "../io/host_tensor.ts";
import { encodeSafetensors, readSafetensors } from "../io/safetensors.ts";
import type { LoaderState } from "../data/types.ts";
import type { RngState } from "../util/rng.ts";
import { DataError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { tf } from "../tf.ts";

/** Metadata key of the JSON scalar state. */
export const STATE_KEY = "slak.train_state";
/** Format version of the state file. */
export const STATE_VERSION = 1;

/** Evaluation figures of one model on the test split. */
export interface EvalResult {
  /** Mean cross-entropy (no label smoothing). */
  loss: number;
  /** Top-1 accuracy (fraction). */
  top1: number;
  /** null when the data set has fewer than 5 classes. */
  top5: number | null;
  /** Images evaluated. */
  n: number;
}

/** The scalar part of a training state. */
export interface TrainState {
  /** Format version ({@link STATE_VERSION}). */
  version: number;
  /** Optimizer steps completed. */
  step: number;
  /** Epochs whose evaluation (and epoch-end checkpoint) is done. */
  completedEpochs: number;
  /** AdamW bias-correction counter. */
  adamT: number;
  /** Named Rng streams. */
  rng: { dropout: RngState; mix: RngState; mask: RngState };
  /** Position of the training loader. */
  loader: LoaderState;
  /** Σ loss and number of steps of the current epoch so far. */
  epochLossSum: number;
  /** Optimizer steps of the current epoch so far. */
  epochSteps: number;
  /**
   * Best top-1 of an epoch so far, by the figure the epoch records name in `bestBy` (the
   * recalibrated top-1 for a model with BatchNorm; null before the first evaluation).
   */
  bestTop1: number | null;
  /** Length of metrics.jsonl at this state (the file is cut back to it on resume). */
  metricsBytes: number;
  /** Milliseconds of training steps, of those waiting for data, images trained, wall time. */
  trainMs: number;
  /** Milliseconds of those spent waiting for data. */
  dataMs: number;
  /** Images trained on. */
  images: number;
  /** Wall-clock milliseconds of the run so far (over resumes). */
  wallMs: number;
  /**
   * Evaluation of the last completed epoch (`recalibrated`: with recalibrated BN statistics;
   * absent in states written before it existed).
   */
  lastEval: { model: EvalResult; ema: EvalResult | null; recalibrated?: EvalResult | null } | null;
}

/** Tensor groups saved alongside the state. */
export interface StateTensors {
  /** Parameters by name. */
  param: ReadonlyMap<string, tf.Tensor>;
  /** Buffers (BN running statistics) by name. */
  buffer: ReadonlyMap<string, tf.Tensor>;
  /** AdamW first moments by parameter name. */
  adam_m: ReadonlyMap<string, tf.Tensor>;
  /** AdamW second moments by parameter name. */
  adam_v: ReadonlyMap<string, tf.Tensor>;
  /** EMA copies of parameters and buffers (empty without EMA). */
  ema: ReadonlyMap<string, tf.Tensor>;
}

const GROUPS = ["param", "buffer", "adam_m", "adam_v", "ema"] as const;

/** Writes the state file atomically. */
export async function writeState(
  path: string,
  state: TrainState,
  tensors: StateTensors,
  masks: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  const list: [string, HostTensor][] = [];
  for (const g of GROUPS) {
    for (const [name, t] of tensors[g]) {
      const data = await t.data() as Float32Array;
      list.push([`${g}.${name}`, { dtype: "float32", shape: [...t.shape], data: data.slice() }]);
    }
  }
  for (const [name, m] of masks) {
    list.push([`mask.${name}`, { dtype: "uint8", shape: [m.length], data: m }]);
  }
  const bytes = encodeSafetensors(list, { [STATE_KEY]: JSON.stringify(state) });
  await writeFileAtomic(path, bytes);
}

/** A state file read back. */
export interface LoadedState {
  state: TrainState;
  /** Tensors by group, then name (host copies, tfjs layouts). */
  groups: Record<(typeof GROUPS)[number], Map<string, HostTensor>>;
  masks: Map<string, Uint8Array>;
}

/** Reads a state file; DataError naming the file when it is not one. */
export async function readState(path: string): Promise<LoadedState> {
  const bytes = await Deno.readFile(path);
  const st = readSafetensors(bytes, path);
  const raw = st.metadata[STATE_KEY];
  if (raw === undefined) throw new DataError(`${path}: not a training state (no "${STATE_KEY}")`);
  const state = JSON.parse(raw) as TrainState;
  if (state.version !== STATE_VERSION) {
    throw new DataError(`${path}: state version ${state.version}, expected ${STATE_VERSION}`);
  }
  const groups = {
    param: new Map(),
    buffer: new Map(),
    adam_m: new Map(),
    adam_v: new Map(),
    ema: new Map(),
  } as LoadedState["groups"];
  const masks = new Map<string, Uint8Array>();
  for (const [key, t] of st.tensors) {
    const dot = key.indexOf(".");
    const g = key.slice(0, dot);
    const name = key.slice(dot + 1);
    if (g === "mask") masks.set(name, Uint8Array.from(t.data as Uint8Array));
    else if ((GROUPS as readonly string[]).includes(g)) {
      groups[g as (typeof GROUPS)[number]].set(name, t);
    } else throw new DataError(`${path}: unexpected tensor "${key}"`);
  }
  return { state, groups, masks };
}

/** Assigns saved host tensors to variables (every variable must have its saved counterpart). */
export function assignAll(
  vars: ReadonlyMap<string, tf.Variable>,
  saved: ReadonlyMap<string, HostTensor>,
  what: string,
): void {
  tf.tidy(() => {
    for (const [name, v] of vars) {
      const t = saved.get(name);
      if (t === undefined) throw new DataError(`training state: ${what} "${name}" missing`);
      if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
        throw new DataError(`training state: ${what} "${name}" has shape [${t.shape}]`);
      }
      v.assign(tf.tensor(t.data as Float32Array, v.shape, "float32"));
    }
  });
}

/** Host copies (float32) of tensor groups, e.g. for `Trainer.state()`. */
export async function hostCopies<G extends string>(
  groups: Readonly<Record<G, ReadonlyMap<string, tf.Tensor>>>,
): Promise<Record<G, Map<string, HostTensor>>> {
  const out = {} as Record<G, Map<string, HostTensor>>;
  for (const g of Object.keys(groups) as G[]) {
    const m = new Map<string, HostTensor>();
    for (const [n, t] of groups[g]) {
      const data = (await t.data() as Float32Array).slice();
      m.set(n, { dtype: "float32", shape: [...t.shape], data });
    }
    out[g] = m;
  }
  return out;
}
