/**
 * Reading and writing model weight files: official PyTorch checkpoints (.pth: a training checkpoint's
 * `model` / `model_ema` entry, or a bare state_dict) and .safetensors with the same keys. Files this
 * toolkit writes carry the resolved model config in the safetensors metadata (key
 * {@link MODEL_CONFIG_METADATA_KEY}), so they load without naming the model again. timm and
 * Hugging Face ConvNeXt checkpoints are renamed to the official keys on reading (convnext_keys.ts).
 *
 * @module
 */
import { extractStateDict } from "../io/checkpoint_entry.ts";
import { toOfficialConvNeXtKeys } from "../io/convnext_keys.ts";
import { readPth } from "../io/pth.ts";
import { encodeSafetensors, readSafetensors } from "../io/safetensors.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import { validate } from "../config/layering.ts";
import { type ModelConfig, ModelConfigSchema } from "../config/model_config.ts";
import { DataError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { exportStateDict } from "./state_dict.ts";
import type { Model } from "./model.ts";

/** Safetensors metadata key holding the resolved model config as JSON. */
export const MODEL_CONFIG_METADATA_KEY = "slak.model";

/** A weights file read from disk. */
export interface WeightsFile {
  /** Official-format state_dict (PyTorch layouts). */
  state: Map<string, HostTensor>;
  /** The model config stored in the file's metadata, when present. */
  config: ModelConfig | null;
  /** All safetensors metadata (empty for .pth). */
  metadata: Record<string, string>;
}

/** Options of {@link readWeightsFile}. */
export interface ReadWeightsOptions {
  /** For training checkpoints: which entry to load (default: `model`). */
  entry?: "model" | "model_ema" | "auto";
}

function isSafetensors(path: string, bytes: Uint8Array): boolean {
  if (path.endsWith(".safetensors")) return true;
  // 8-byte header length followed by '{'
  return bytes.length > 9 && bytes[8] === 0x7b && bytes[0] !== 0x50; // not a zip ("PK")
}

/** Reads a .pth or .safetensors weights file; errors name the file. */
export async function readWeightsFile(
  path: string,
  opts: ReadWeightsOptions = {},
): Promise<WeightsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new DataError(`Weights file not found: ${path}`);
    throw new DataError(`Cannot read weights file ${path}: ${(e as Error).message}`);
  }
  if (isSafetensors(path, bytes)) {
    const st = readSafetensors(bytes, path);
    const raw = st.metadata[MODEL_CONFIG_METADATA_KEY];
    let config: ModelConfig | null = null;
    if (raw !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new DataError(`${path}: metadata "${MODEL_CONFIG_METADATA_KEY}" is not valid JSON`);
      }
      config = validate(
        ModelConfigSchema,
        parsed,
        `${path} metadata "${MODEL_CONFIG_METADATA_KEY}"`,
      );
    }
    const state = new Map<string, HostTensor>();
    for (const [k, v] of st.tensors) state.set(k.startsWith("module.") ? k.slice(7) : k, v);
    return { state: toOfficialConvNeXtKeys(state).state, config, metadata: st.metadata };
  }
  const obj = readPth(bytes, path);
  const state = extractStateDict(obj, { entry: opts.entry ?? "auto", name: path });
  return { state: toOfficialConvNeXtKeys(state).state, config: null, metadata: {} };
}

/**
 * Writes the model's weights as .safetensors (official keys and PyTorch layouts) with the resolved
 * model config (and any extra metadata) in the header, atomically.
 */
export async function writeWeightsFile(
  path: string,
  model: Model,
  extraMetadata: Record<string, string> = {},
  state?: Map<string, HostTensor>,
): Promise<void> {
  const metadata = {
    format: "pt",
    ...extraMetadata,
    [MODEL_CONFIG_METADATA_KEY]: JSON.stringify(model.config),
  };
  await writeFileAtomic(path, encodeSafetensors(state ?? await exportStateDict(model), metadata));
}
