/**
 * PyTorch checkpoints (`torch.save` files): the zip format torch >= 1.6 writes
 * (`<archive>/data.pkl` + `<archive>/data/<key>` storages) and the legacy pre-1.6 stream format,
 * read through the safe unpickler. Picking the state dict out of what they hold is
 * `checkpoint_entry.ts`.
 *
 * @module
 */

import { DataError } from "../util/errors.ts";
import { formatInt, quoteUntrusted } from "../util/quote.ts";
import { ITEM_SIZE } from "./dtype.ts";
import type { HostDType } from "./host_tensor.ts";
import { unpickleAt } from "./pickle.ts";
import { TORCH_GLOBALS, type TorchStorageType } from "./pickle_globals.ts";
import { describe } from "./pickle_util.ts";
import { makeStorage, newViewBudget, type TorchStorage } from "./torch_storage.ts";
import { isZip, openZip } from "./zip.ts";

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Largest `data.pkl` accepted: a pickle holds only structure (tensor data lives elsewhere). */
export const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

interface StorageId {
  dtype: HostDType;
  key: string;
  numel: number;
  view?: { key: string; offset: number; numel: number };
}

/** A storage key from a file: a string (or a small int, as old files write). */
function storageKey(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Number.isSafeInteger(v)) return String(v);
  return undefined;
}

function parseStorageId(pid: unknown, name: string): StorageId {
  const bad = (): never => {
    throw new DataError(
      `${name}: unsupported persistent id ${describe(pid)} (expected ('storage', type, key, ...))`,
    );
  };
  if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) return bad();
  const type = pid[1] as TorchStorageType;
  if (typeof type !== "object" || type === null || !("storageDtype" in type)) {
    throw new DataError(`${name}: storage of unsupported type ${describe(pid[1])}`);
  }
  const key = storageKey(pid[2]);
  if (key === undefined) return bad();
  const numel = pid[4];
  if (!Number.isSafeInteger(numel) || (numel as number) < 0) {
    throw new DataError(
      `${name}: storage ${quoteUntrusted(key)} has ${
        typeof numel === "number" || typeof numel === "bigint" ? formatInt(numel) : describe(numel)
      } elements (expected a non-negative int below 2^53)`,
    );
  }
  const id: StorageId = { dtype: type.storageDtype, key, numel: numel as number };
  const view = pid[5];
  if (Array.isArray(view)) {
    const [vk, off, n] = view;
    const vkey = storageKey(vk);
    if (vkey === undefined || !Number.isSafeInteger(off) || !Number.isSafeInteger(n)) return bad();
    id.view = { key: vkey, offset: off as number, numel: n as number };
  }
  return id;
}

function readZipPth(bytes: Uint8Array, name: string): unknown {
  const zip = openZip(bytes, name);
  const pkl = [...zip.entries.keys()].find((k) => /^([^/]*\/)?data\.pkl$/.test(k));
  if (pkl === undefined) {
    throw new DataError(
      `${name}: zip archive has no "<archive>/data.pkl" (not a torch.save checkpoint)`,
    );
  }
  const prefix = pkl.slice(0, pkl.length - "data.pkl".length);
  const bo = zip.entries.get(`${prefix}byteorder`);
  const order = bo ? new TextDecoder().decode(zip.read(bo, { maxSize: 64 })).trim() : "little";
  if (order !== "little" && order !== "big") {
    throw new DataError(`${name}: byteorder ${quoteUntrusted(order)} (expected "little" or "big")`);
  }
  const budget = newViewBudget();
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): TorchStorage => {
    const id = parseStorageId(pid, name);
    const cached = storages.get(id.key);
    if (cached) return cached;
    const entry = `${prefix}data/${id.key}`;
    const e = zip.entries.get(entry);
    if (!e) {
      throw new DataError(`${name}: storage ${quoteUntrusted(entry)} is missing from the archive`);
    }
    // Sizes are checked now, from the archive's directory; nothing is inflated until a tensor's
    // data is read, and then only as far as its views reach.
    zip.check(e);
    const want = BigInt(id.numel) * BigInt(ITEM_SIZE[id.dtype]);
    if (BigInt(e.size) < want) {
      throw new DataError(
        `${name}: storage ${quoteUntrusted(entry)} has ${e.size} bytes, ${id.numel} ${id.dtype} ` +
          `need ${formatInt(want)}`,
      );
    }
    const st = makeStorage(
      id.key,
      id.dtype,
      id.numel,
      (nbytes) => zip.readPrefix(e, nbytes),
      budget,
      order === "little",
    );
    budget.storageElements += id.numel;
    storages.set(id.key, st);
    return st;
  };
  const data = zip.read(pkl, { checkCrc: true, maxSize: MAX_PICKLE_BYTES });
  return unpickleAt(data, 0, { name, persistentLoad, globals: TORCH_GLOBALS }).value;
}

function readLegacyPth(bytes: Uint8Array, name: string): unknown {
  const globals = TORCH_GLOBALS;
  let r = unpickleAt(bytes, 0, { name, globals });
  if (r.value !== LEGACY_MAGIC) throw notCheckpoint(name);
  r = unpickleAt(bytes, r.end, { name, globals });
  if (r.value !== 1001) {
    const v = r.value;
    const shown = typeof v === "number" || typeof v === "bigint" ? formatInt(v) : describe(v);
    throw new DataError(`${name}: legacy torch.save protocol ${shown} (expected 1001)`);
  }
  r = unpickleAt(bytes, r.end, { name, globals });
  const sys = r.value instanceof Map ? r.value : new Map();
  const little = sys.get("little_endian") !== false;
  const mainStart = r.end;
  // Pass 1: find where the object pickle ends and which storages (and dtypes) it names.
  const ids = new Map<string, StorageId>();
  const scan = unpickleAt(bytes, mainStart, {
    name,
    globals,
    dry: true,
    persistentLoad: (pid) => {
      const id = parseStorageId(pid, name);
      ids.set(id.key, id);
      return null;
    },
  });
  const keysR = unpickleAt(bytes, scan.end, { name, globals });
  if (!Array.isArray(keysR.value)) throw new DataError(`${name}: legacy storage key list missing`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const budget = newViewBudget();
  const roots = new Map<string, TorchStorage>();
  const raws = new Map<string, Uint8Array>();
  let pos = keysR.end;
  for (const k of keysR.value as unknown[]) {
    const key = storageKey(k);
    const id = key === undefined ? undefined : ids.get(key);
    if (key === undefined || !id) {
      throw new DataError(
        `${name}: legacy storage ${
          key === undefined ? describe(k) : quoteUntrusted(key)
        } is never referenced`,
      );
    }
    const what = `${name}: legacy storage ${quoteUntrusted(key)}`;
    if (pos + 8 > bytes.length) throw new DataError(`${what} truncated`);
    const numel = dv.getBigInt64(pos, little);
    const nbytes = numel * BigInt(ITEM_SIZE[id.dtype]);
    pos += 8;
    if (numel < 0n || nbytes > BigInt(bytes.length - pos)) {
      throw new DataError(
        `${what} truncated: ${formatInt(numel)} ${id.dtype} need ${formatInt(nbytes)} bytes, ` +
          `${bytes.length - pos} remain`,
      );
    }
    const n = Number(nbytes);
    const raw = bytes.subarray(pos, pos + n);
    raws.set(key, raw);
    roots.set(key, makeStorage(key, id.dtype, Number(numel), () => raw, budget, little));
    budget.storageElements += Number(numel);
    pos += n;
  }
  const views = new Map<string, TorchStorage>();
  return unpickleAt(bytes, mainStart, {
    name,
    globals,
    persistentLoad: (pid) => {
      const id = parseStorageId(pid, name);
      const root = roots.get(id.key);
      if (!root) {
        throw new DataError(`${name}: legacy storage ${quoteUntrusted(id.key)} has no data`);
      }
      if (!id.view) return root;
      const v = id.view;
      let st = views.get(v.key);
      if (!st) {
        if (v.offset < 0 || v.numel < 0 || v.offset + v.numel > root.numel) {
          throw new DataError(
            `${name}: legacy storage view ${quoteUntrusted(v.key)} runs past its storage`,
          );
        }
        const size = ITEM_SIZE[id.dtype];
        const raw = raws.get(id.key)!.subarray(v.offset * size, (v.offset + v.numel) * size);
        st = makeStorage(v.key, id.dtype, v.numel, () => raw, budget, little);
        views.set(v.key, st);
      }
      return st;
    },
  }).value;
}

function notCheckpoint(name: string): DataError {
  return new DataError(
    `${name}: not a PyTorch checkpoint (expected a zip archive as torch.save writes since 1.6, ` +
      `or the legacy pickle stream)`,
  );
}

/**
 * Reads a `torch.save` file without Python. Tensors become {@link HostTensor}s (views
 * materialised densely, in PyTorch's layout), dicts and OrderedDicts become `Map`s,
 * `argparse.Namespace` a plain record; see {@link unpickle} for the other types.
 *
 * Tensor data is read on first access of `data`: until then a tensor's `dtype` and `shape` can
 * be checked against a model (as `checkStateDict` does) without inflating or copying anything,
 * and a storage is only ever read as far as its views reach. Views are checked as the pickle is
 * read: inside their storage, and all together within a per-file element budget.
 *
 * @param bytes the whole file
 * @param name file name used in error messages
 * @throws DataError for malformed files, or pickles naming globals outside the allow-list
 */
export function readPth(bytes: Uint8Array, name = "<pth>"): unknown {
  if (isZip(bytes)) return readZipPth(bytes, name);
  if (bytes.length > 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === "ustar") {
    throw new DataError(
      `${name}: tar-format torch.save file (torch < 0.4) is not supported; re-save it with ` +
        `torch >= 1.6 (torch.save(torch.load(f), f))`,
    );
  }
  if (bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a) {
    return readLegacyPth(bytes, name);
  }
  throw notCheckpoint(name);
}
