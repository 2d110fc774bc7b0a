/**
 * Reading and writing model weight files: official PyTorch checkpoints (.pth: a training checkpoint's
 * `model` / `model_ema` entry, or a bare state_dict) and .safetensors with the same keys. Files this
 * toolkit writes carry the resolved model config in the safetensors metadata (key
 * {@link MODEL_CONFIG_METADATA_KEY}), so they load without naming the model again. timm and
 * Hugging Face ConvNeXt checkpoints are renamed to the official keys on reading (convnext_keys.ts).
 *
 * @module
 */
import { encodeSafetensors } from "../io/safetensors.ts";
import type { HostTensor } from "../io/host_tensor.ts";
import { DataError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { exportStateDict } from "./state_dict.ts";
import type { Model } from "./model.ts";
import {
  MODEL_CONFIG_METADATA_KEY,
  readWeightsBytes,
  type ReadWeightsOptions,
  type WeightsFile,
} from "./weights_bytes.ts";

// Parsing lives in weights_bytes.ts (no file system, for web.ts); re-exported for old importers.
export { MODEL_CONFIG_METADATA_KEY, type ReadWeightsOptions, type WeightsFile };

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
  return readWeightsBytes(bytes, path, opts);
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
