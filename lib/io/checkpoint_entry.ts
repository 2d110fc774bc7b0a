/**
 * Picking the state dict out of what {@link readPth} returns: a training checkpoint
 * (`{model, model_ema, optimizer, epoch, args, ...}`) or a bare state dict, with every value
 * checked to be a tensor (recognised without reading a lazily loaded tensor's data).
 *
 * @module
 */
import { DataError } from "../util/errors.ts";
import { formatInt, quoteUntrusted } from "../util/quote.ts";
import type { HostTensor } from "./host_tensor.ts";
import { describe } from "./pickle_util.ts";
import { isDeferredTensor } from "./torch_rebuild.ts";

/**
 * True for a {@link HostTensor} (as produced by the readers). A tensor from {@link readPth}
 * whose data is still unread is recognised without reading it.
 */
export function isHostTensor(v: unknown): v is HostTensor {
  if (isDeferredTensor(v)) return true;
  return typeof v === "object" && v !== null && typeof (v as HostTensor).dtype === "string" &&
    Array.isArray((v as HostTensor).shape) && ArrayBuffer.isView((v as HostTensor).data);
}

/** Options of {@link extractStateDict}. */
export interface ExtractStateDictOptions {
  /**
   * Which entry of a training checkpoint to use: `"auto"` (default) takes `model`, then
   * `state_dict`, then `model_ema`, else the object itself when it is a bare state dict.
   */
  entry?: "model" | "model_ema" | "auto";
  /** File name used in error messages. */
  name?: string;
}

/** A dict key from a file, for a message: strings quoted, ints exact, others by type. */
function keyText(k: unknown): string {
  if (typeof k === "string") return quoteUntrusted(k);
  if (typeof k === "number" || typeof k === "bigint") return formatInt(k);
  return describe(k);
}

function entriesOf(obj: unknown): [unknown, unknown][] | undefined {
  if (obj instanceof Map) return [...obj];
  if (
    typeof obj === "object" && obj !== null && !Array.isArray(obj) && !isHostTensor(obj) &&
    !ArrayBuffer.isView(obj)
  ) {
    return Object.entries(obj);
  }
  return undefined;
}

/**
 * Picks the state dict out of what {@link readPth} returned: a training checkpoint
 * (`{model, model_ema, optimizer, epoch, args, ...}`) or a bare state dict. A leading `module.`
 * (DistributedDataParallel) is stripped from every key; int64 buffers such as
 * `num_batches_tracked` are kept.
 *
 * @throws DataError listing the available top-level keys when the entry is missing, or naming
 *   the key whose value is not a tensor
 */
export function extractStateDict(
  obj: unknown,
  opts: ExtractStateDictOptions = {},
): Map<string, HostTensor> {
  const name = opts.name ?? "<checkpoint>";
  const entry = opts.entry ?? "auto";
  const top = entriesOf(obj);
  if (!top) throw new DataError(`${name}: checkpoint is a ${describe(obj)}, expected a dict`);
  const keys = top.map(([k]) => keyText(k));
  const find = (k: string) => top.find(([key]) => key === k);
  const isBare = top.length > 0 && top.every(([, v]) => isHostTensor(v));
  let chosen: unknown;
  let where = "";
  if (entry === "auto") {
    const hit = find("model") ?? find("state_dict") ?? find("model_ema");
    if (hit) (chosen = hit[1]), (where = `"${hit[0]}"`);
    else if (isBare) chosen = obj;
  } else {
    const hit = find(entry);
    if (hit) (chosen = hit[1]), (where = `"${entry}"`);
  }
  if (chosen === undefined) {
    throw new DataError(
      `${name}: no ${entry === "auto" ? "state dict" : `entry "${entry}"`} found; top-level ` +
        `keys: ${
          keys.length
            ? keys.slice(0, 8).join(", ") + (keys.length > 8 ? ` (+${keys.length - 8} more)` : "")
            : "(none)"
        }` +
        (isBare ? ` (a bare state dict: use entry "auto")` : ""),
    );
  }
  const items = entriesOf(chosen);
  if (!items) {
    throw new DataError(`${name}: entry ${where} is a ${describe(chosen)}, expected a state dict`);
  }
  const out = new Map<string, HostTensor>();
  for (const [k, v] of items) {
    if (typeof k !== "string") {
      throw new DataError(`${name}: state dict ${where} has a non-string key ${keyText(k)}`);
    }
    if (!isHostTensor(v)) {
      throw new DataError(
        `${name}: state dict ${where} key ${quoteUntrusted(k)} holds a ${describe(v)}, ` +
          `expected a tensor`,
      );
    }
    const key = k.startsWith("module.") ? k.slice("module.".length) : k;
    if (out.has(key)) {
      throw new DataError(
        `${name}: key ${quoteUntrusted(key)} appears both with and without "module."`,
      );
    }
    out.set(key, v);
  }
  return out;
}
