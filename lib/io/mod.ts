/**
 * File I/O for tensors without Python: `.npy`, `.safetensors` and PyTorch `torch.save`
 * checkpoints (zip and legacy formats, through a safe allow-list unpickler).
 *
 * @module
 */

export type { HostData, HostDType, HostTensor } from "./host_tensor.ts";
export { toFloat32 } from "./host_tensor.ts";
export { encodeNpy, readNpy } from "./npy.ts";
export type { Safetensors } from "./safetensors.ts";
export { encodeSafetensors, readSafetensors } from "./safetensors.ts";
export type { ZipArchive, ZipEntry, ZipReadOptions } from "./zip.ts";
export { crc32, isZip, openZip } from "./zip.ts";
export type { PickleContext, PickleGlobal, UnpickleOptions, UnpickleResult } from "./pickle.ts";
export { unpickle, unpickleAt } from "./pickle.ts";
export { TORCH_GLOBALS } from "./pickle_globals.ts";
export { readPth } from "./pth.ts";
export type { ExtractStateDictOptions } from "./checkpoint_entry.ts";
export { extractStateDict, isHostTensor } from "./checkpoint_entry.ts";
export type { ConvNeXtKeyLayout, RemappedState } from "./convnext_keys.ts";
export { detectConvNeXtLayout, toOfficialConvNeXtKeys } from "./convnext_keys.ts";
export type { DecodedRecords } from "./tfrecord.ts";
export { crc32c, decodeRecords, encodeRecord, maskCrc } from "./tfrecord.ts";
