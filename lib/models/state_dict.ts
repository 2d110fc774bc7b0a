/**
 * Moving weights between a model and an official-format state_dict (PyTorch names and layouts):
 * strict key and shape checks, layout conversion (OIHW / [C,1,kh,kw] / [out,in] ↔ tfjs), and export
 * back to PyTorch layout (num_batches_tracked as int64). Keys and shapes are checked before any
 * tensor data is read, so a checkpoint that does not fit is refused before its storages are
 * inflated. As PyTorch's BatchNorm loader does, a missing `num_batches_tracked` counts as 0.
 *
 * @module
 */
import type { HostTensor } from "../io/host_tensor.ts";
import { toFloat32 } from "../io/host_tensor.ts";
import { tf } from "../tf.ts";

import { quoteUntrusted } from "../util/quote.ts";
import { checkKeysAndShapes } from "./key_check.ts";
import { getVar, type Model } from "./model.ts";
import { permute, tfToTorch, torchToTf } from "./layout.ts";
import { modelParamSpecs } from "./param_spec.ts";
import type { ModelConfig } from "../config/model_config.ts";

/**
 * Assigns an official-format state_dict to a model. Every model key must be present with the
 * PyTorch shape, and no extra key may remain; otherwise a DataError names the file, the keys and
 * the expected shapes (a wrong kernel list is the classic cause, so the message says which model
 * config was expected).
 */
export function loadStateDict(
  model: Model,
  state: Map<string, HostTensor>,
  source: string,
): void {
  checkStateDict(model.config, state, source);
  const nonFinite: string[] = [];
  tf.tidy(() => {
    for (const spec of model.specs) {
      const t = state.get(spec.name);
      if (t === undefined) {
        // only a num_batches_tracked passes checkStateDict missing: PyTorch loads it as 0
        getVar(model, spec.name).assign(tf.zeros(spec.shape, "float32"));
        continue;
      }
      const values = toFloat32(t);
      const bad = countNonFinite(values);
      if (bad > 0) nonFinite.push(`${quoteUntrusted(spec.name)} (${bad} of ${values.length})`);
      const perm = torchToTf(spec.kind);
      const data = perm ? permute(values, t.shape, perm) : values;
      getVar(model, spec.name).assign(tf.tensor(data, spec.shape, "float32"));
    }
  });
  if (nonFinite.length) {
    console.warn(
      `warning: weights ${source}: NaN or infinite values in ${nonFinite.length} ` +
        `tensor${nonFinite.length > 1 ? "s" : ""}: ${nonFinite.slice(0, 5).join(", ")}` +
        (nonFinite.length > 5 ? ` (+${nonFinite.length - 5} more)` : ""),
    );
  }
}

/** Number of NaN or infinite values in `data`. */
export function countNonFinite(data: Float32Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) n++;
  return n;
}

/**
 * Checks that a state_dict fits a model config exactly (keys and PyTorch shapes) without building
 * the model or reading any tensor's data; throws a DataError naming the file, the keys and the
 * expected shapes. A missing `num_batches_tracked` buffer is accepted (many exporters drop it;
 * PyTorch loads it as 0).
 */
export function checkStateDict(
  config: ModelConfig,
  state: Map<string, HostTensor>,
  source: string,
): void {
  const hint = `(model: arch ${config.arch}, kernelSizes [${config.kernelSizes}], ` +
    `smallKernel ${config.smallKernel}, lkMode ${config.lkMode}, ` +
    `depths [${config.depths}], dims [${config.dims}] x ${config.widthFactor})`;
  checkKeysAndShapes(modelParamSpecs(config), state, source, hint);
}

/** The model's weights as an official-format state_dict (PyTorch layouts, official order). */
export async function exportStateDict(model: Model): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const spec of model.specs) {
    const v = getVar(model, spec.name);
    const data = await v.data() as Float32Array;
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
