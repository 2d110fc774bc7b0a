/**
 * Weights in and out of the segmentation model:
 *
 * - a whole segmentor (mmseg checkpoint: `state_dict` with `backbone.*`, `decode_head.*`,
 *   `auxiliary_head.*`): strict keys and shapes, both ways;
 * - an ImageNet classification checkpoint into the backbone, as the official `init_weights`
 *   does it: a leading `backbone.` stripped, the classifier's final `norm` and `head` dropped,
 *   `norm0..norm3` left at their init (1, 0) unless the file has them. Stricter than the official
 *   `strict=False` load, which silently leaves anything missing at its random init: here a missing
 *   body key, or any other unexpected key, is a DataError (a wrong model config is the usual
 *   cause). Head keys of a segmentor checkpoint are skipped (reported).
 *
 * @module
 */
import type { HostTensor } from "../../io/host_tensor.ts";
import { toFloat32 } from "../../io/host_tensor.ts";
import { tf } from "../../tf.ts";
import { DataError } from "../../util/errors.ts";
import { quoteUntrusted } from "../../util/quote.ts";
import { checkKeysAndShapes } from "../key_check.ts";
import { permute, tfToTorch, torchToTf } from "../layout.ts";
import { getVar } from "../model.ts";
import type { ParamSpec } from "../param_spec.ts";
import { countNonFinite } from "../state_dict.ts";
import {
  AUX_PREFIX,
  BACKBONE_PREFIX,
  backboneParamSpecs,
  DECODE_PREFIX,
  segParamSpecs,
} from "./param_specs.ts";
import { headVar, type SegModel } from "./seg_model.ts";

function segVar(model: SegModel, name: string): tf.Variable {
  return name.startsWith(BACKBONE_PREFIX)
    ? getVar(model.backbone, name.slice(BACKBONE_PREFIX.length))
    : headVar(model, name);
}

function hint(model: SegModel): string {
  const b = model.config.backbone;
  const h = model.config;
  return `(model: backbone ${b.arch} kernelSizes [${b.kernelSizes}] smallKernel ${b.smallKernel} ` +
    `lkMode ${b.lkMode} depths [${b.depths}] dims [${b.dims}] x ${b.widthFactor}; outIndices ` +
    `[${h.outIndices}], head channels ${h.head.channels}, ${h.numClasses} classes, aux ` +
    `${h.aux ? `channels ${h.aux.channels}` : "none"})`;
}

/** Assigns `state` (PyTorch layouts) to the variables of `specs`; warns about non-finite values. */
function assign(
  specs: readonly ParamSpec[],
  state: ReadonlyMap<string, HostTensor>,
  target: (name: string) => tf.Variable,
  source: string,
): void {
  const bad: string[] = [];
  tf.tidy(() => {
    for (const spec of specs) {
      const t = state.get(spec.name);
      if (t === undefined) {
        target(spec.name).assign(tf.zeros(spec.shape, "float32")); // num_batches_tracked only
        continue;
      }
      const values = toFloat32(t);
      const n = countNonFinite(values);
      if (n > 0) bad.push(`${quoteUntrusted(spec.name)} (${n} of ${values.length})`);
      const perm = torchToTf(spec.kind);
      const data = perm ? permute(values, t.shape, perm) : values;
      target(spec.name).assign(tf.tensor(data, spec.shape, "float32"));
    }
  });
  if (bad.length) {
    console.warn(
      `warning: weights ${source}: NaN or infinite values in ${bad.length} tensor(s): ` +
        bad.slice(0, 5).join(", "),
    );
  }
}

/**
 * Loads a whole segmentor's state_dict (mmseg names); every key must be present with its PyTorch
 * shape and none may be extra, else a DataError names the file and keys.
 */
export function loadSegStateDict(
  model: SegModel,
  state: ReadonlyMap<string, HostTensor>,
  source: string,
): void {
  const specs = segParamSpecs(model.config);
  checkKeysAndShapes(specs, state, source, hint(model));
  assign(specs, state, (n) => segVar(model, n), source);
}

/** The segmentor's weights as an mmseg state_dict (PyTorch layouts, mmseg order). */
export async function exportSegStateDict(model: SegModel): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const spec of segParamSpecs(model.config)) {
    const data = await segVar(model, spec.name).data() as Float32Array;
    if (spec.kind === "bn_count") {
      out.set(spec.name, {
        dtype: "int64",
        shape: [],
        data: BigInt64Array.of(BigInt(Math.round(data[0]!))),
      });
      continue;
    }
    const perm = tfToTorch(spec.kind);
    const values = perm ? permute(data, spec.shape, perm) : Float32Array.from(data);
    out.set(spec.name, { dtype: "float32", shape: [...spec.torchShape], data: values });
  }
  return out;
}

/** What {@link loadBackboneCheckpoint} did besides loading. */
export interface BackboneLoadReport {
  /** Keys of the file that were not loaded (classifier `norm`/`head`, segmentor heads). */
  dropped: string[];
  /** Backbone keys absent from the file and set to their init (norm0..3 → weight 1, bias 0). */
  initialised: string[];
}

const CLASSIFIER_KEYS = /^(norm\.(weight|bias)|head\.(weight|bias))$/;

/**
 * Loads an ImageNet classification checkpoint (or a segmentor's backbone) into the backbone as the
 * official `init_weights` does: `backbone.` stripped, classifier `norm`/`head` dropped, norm0..3
 * at (1, 0) when the file lacks them.
 * @throws DataError naming the file when a body key is missing, a shape differs, or a key is
 *   neither the backbone's nor a classifier/segmentor-head key
 */
export function loadBackboneCheckpoint(
  model: SegModel,
  state: ReadonlyMap<string, HostTensor>,
  source: string,
): BackboneLoadReport {
  const specs = backboneParamSpecs(model.config);
  const known = new Set(specs.map((s) => s.name));
  const body = new Map<string, HostTensor>();
  const dropped: string[] = [];
  const unexpected: string[] = [];
  for (const [key, t] of state) {
    const k = key.startsWith(BACKBONE_PREFIX) ? key.slice(BACKBONE_PREFIX.length) : key;
    if (known.has(k)) body.set(k, t);
    else if (CLASSIFIER_KEYS.test(k) || k.startsWith(DECODE_PREFIX) || k.startsWith(AUX_PREFIX)) {
      dropped.push(key);
    } else unexpected.push(key);
  }
  if (unexpected.length) {
    const list = unexpected.slice(0, 5).map((k) => quoteUntrusted(k)).join(", ");
    throw new DataError(
      `Weights ${source} do not fit the backbone: unexpected keys ${list}` +
        (unexpected.length > 5 ? ` (+${unexpected.length - 5} more)` : "") + ` ${hint(model)}`,
    );
  }
  const isOutNorm = (n: string) => /^norm[0-3]\.(weight|bias)$/.test(n);
  const initialised = specs.filter((s) => isOutNorm(s.name) && !body.has(s.name)).map((s) =>
    s.name
  );
  const required = specs.filter((s) => !initialised.includes(s.name));
  checkKeysAndShapes(required, body, source, hint(model));
  assign(required, body, (n) => getVar(model.backbone, n), source);
  tf.tidy(() => {
    for (const name of initialised) {
      const v = getVar(model.backbone, name);
      v.assign(name.endsWith(".weight") ? tf.onesLike(v) : tf.zerosLike(v));
    }
  });
  return { dropped, initialised };
}
