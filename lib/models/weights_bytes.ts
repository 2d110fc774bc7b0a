/**
 * Parsing model weights from bytes, with no file system: official PyTorch checkpoints (.pth: a
 * training checkpoint's `model` / `model_ema` entry, or a bare state_dict) and .safetensors with
 * the same keys. Files this toolkit writes carry the resolved model config in the safetensors
 * metadata (key {@link MODEL_CONFIG_METADATA_KEY}). timm and Hugging Face ConvNeXt checkpoints are
 * renamed to the official keys (convnext_keys.ts). Reading from disk: weights_file.ts.
 *
 * @module
 */
import { extractStateDict } from "../io/checkpoint_entry.ts";
import { toOfficialConvNeXtKeys } from "../io/convnext_keys.ts";
import { readPth } from "../io/pth.ts";
import { readSafetensors } from "../io/safetensors.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import { validate } from "../config/layering.ts";
import { type ModelConfig, ModelConfigSchema } from "../config/model_config.ts";
import { DataError } from "../util/errors.ts";

/** Safetensors metadata key holding the resolved model config as JSON. */
export const MODEL_CONFIG_METADATA_KEY = "slak.model";

/** A parsed weights file. */
export interface WeightsFile {
  /** Official-format state_dict (PyTorch layouts). */
  state: Map<string, HostTensor>;
  /** The model config stored in the file's metadata, when present. */
  config: ModelConfig | null;
  /** All safetensors metadata (empty for .pth). */
  metadata: Record<string, string>;
}

/** Options of {@link readWeightsBytes} and `readWeightsFile`. */
export interface ReadWeightsOptions {
  /** For training checkpoints: which entry to load (default: `model`). */
  entry?: "model" | "model_ema" | "auto";
}

function isSafetensors(name: string, bytes: Uint8Array): boolean {
  if (name.endsWith(".safetensors")) return true;
  // 8-byte header length followed by '{'
  return bytes.length > 9 && bytes[8] === 0x7b && bytes[0] !== 0x50; // not a zip ("PK")
}

/**
 * Parses the bytes of a .safetensors or .pth weights file (told apart by `name`'s extension, else
 * by content) into an official-key state_dict; errors name `name`.
 */
export function readWeightsBytes(
  bytes: Uint8Array | ArrayBuffer,
  name = "<weights>",
  opts: ReadWeightsOptions = {},
): WeightsFile {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (isSafetensors(name, data)) {
    const st = readSafetensors(data, name);
    const raw = st.metadata[MODEL_CONFIG_METADATA_KEY];
    let config: ModelConfig | null = null;
    if (raw !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new DataError(`${name}: metadata "${MODEL_CONFIG_METADATA_KEY}" is not valid JSON`);
      }
      config = validate(
        ModelConfigSchema,
        parsed,
        `${name} metadata "${MODEL_CONFIG_METADATA_KEY}"`,
      );
    }
    const state = new Map<string, HostTensor>();
    for (const [k, v] of st.tensors) state.set(k.startsWith("module.") ? k.slice(7) : k, v);
    return { state: toOfficialConvNeXtKeys(state).state, config, metadata: st.metadata };
  }
  const obj = readPth(data, name);
  const state = extractStateDict(obj, { entry: opts.entry ?? "auto", name });
  return { state: toOfficialConvNeXtKeys(state).state, config: null, metadata: {} };
}
