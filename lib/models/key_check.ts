/**
 * The strict fit of a state_dict to a parameter list (the plain and the merged model loaders
 * share it): every key present with its PyTorch shape, no extra key. Keys and shapes read from the
 * file are quoted safely; nothing but the tensors' shapes is read.
 *
 * @module
 */
import type { HostTensor } from "../io/host_tensor.ts";
import { DataError } from "../util/errors.ts";
import { listUntrusted, quoteUntrusted } from "../util/quote.ts";
import type { ParamSpec } from "./param_spec.ts";

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function listSome(keys: string[], n = 5): string {
  const head = keys.slice(0, n).map((k) => quoteUntrusted(k)).join(", ");
  return keys.length > n ? `${head} (+${keys.length - n} more)` : head;
}

/**
 * Throws a DataError unless `state` holds exactly the keys of `specs` with their PyTorch shapes
 * (a missing `num_batches_tracked` buffer is accepted: PyTorch loads it as 0). Messages name the
 * file `source`, the keys, the expected shapes and end with `hint` (the model that was expected).
 */
export function checkKeysAndShapes(
  specs: readonly ParamSpec[],
  state: ReadonlyMap<string, HostTensor>,
  source: string,
  hint: string,
): void {
  const expected = new Set(specs.map((s) => s.name));
  const missing = specs.filter((s) => !state.has(s.name) && s.kind !== "bn_count").map((s) =>
    s.name
  );
  const unexpected = [...state.keys()].filter((k) => !expected.has(k));
  if (missing.length || unexpected.length) {
    const parts = [];
    if (missing.length) parts.push(`missing keys ${listSome(missing)}`);
    if (unexpected.length) parts.push(`unexpected keys ${listSome(unexpected)}`);
    throw new DataError(`Weights ${source} do not fit the model: ${parts.join("; ")} ${hint}`);
  }
  for (const spec of specs) {
    const t = state.get(spec.name);
    if (t !== undefined && !sameShape(t.shape, spec.torchShape)) {
      throw new DataError(
        `Weights ${source}: key ${quoteUntrusted(spec.name)} has shape ${
          listUntrusted(t.shape)
        }, expected [${spec.torchShape}] ${hint}`,
      );
    }
  }
}
