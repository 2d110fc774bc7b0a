/**
 * The allow-list of globals a checkpoint pickle may name, each mapped to an inert constructor:
 * torch tensors/parameters/storages/dtypes/sizes, `collections.OrderedDict`,
 * `argparse.Namespace` (a plain record), `_codecs.encode`, small builtins and numpy scalars.
 * Nothing here runs code from the file.
 *
 * @module
 */

import { quoteUntrusted } from "../util/quote.ts";
import { decodeElements, ITEM_SIZE, numpyCodeDtype } from "./dtype.ts";
import type { HostDType } from "./host_tensor.ts";
import type { PickleContext, PickleGlobal } from "./pickle.ts";
import { assignDictState, defineField, describe, failIn } from "./pickle_util.ts";
import { rebuildTensor } from "./torch_rebuild.ts";

/** A storage class global such as `torch.FloatStorage`. */
export interface TorchStorageType extends PickleGlobal {
  /** Element type of the storage class. */
  readonly storageDtype: HostDType;
}

/** A dtype global such as `torch.float32`. */
export interface TorchDTypeMarker extends PickleGlobal {
  /** The dtype it names. */
  readonly torchDtype: HostDType;
}

/** BUILD on a tensor: torch never writes one; its state is ignored (never overwrites data). */
function ignoreState(): void {}

function firstArg(args: unknown[]): unknown {
  return args[0];
}

function callGlobal(f: unknown, args: unknown, ctx: PickleContext): unknown {
  const g = f as PickleGlobal;
  if (typeof g !== "object" || g === null || !g.call || !Array.isArray(args)) {
    failIn(ctx, `tensor subclass rebuilt with a ${describe(f)}`);
  }
  return g.call!(args as unknown[], ctx);
}

function numpyScalar(args: unknown[], ctx: PickleContext): unknown {
  const [dt, raw] = args;
  const d = dt as { descr?: string; byteorder?: string };
  if (!(raw instanceof Uint8Array) || typeof d?.descr !== "string") {
    failIn(ctx, "numpy scalar needs a numpy.dtype and bytes");
  }
  const dtype = numpyCodeDtype(d.descr!);
  if (!dtype || (raw as Uint8Array).length !== ITEM_SIZE[dtype]) {
    return failIn(ctx, `unsupported numpy scalar dtype ${quoteUntrusted(String(d.descr))}`);
  }
  const v = decodeElements(raw as Uint8Array, dtype, 1, d.byteorder !== ">")[0]!;
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  }
  return dtype === "bool" ? v !== 0 : v;
}

const TORCH_DTYPES: [string[], HostDType][] = [
  [["float32", "float"], "float32"],
  [["float64", "double"], "float64"],
  [["float16", "half"], "float16"],
  [["bfloat16"], "bfloat16"],
  [["int64", "long"], "int64"],
  [["int32", "int"], "int32"],
  [["int16", "short"], "int16"],
  [["int8"], "int8"],
  [["uint8"], "uint8"],
  [["bool"], "bool"],
];

const STORAGES: [string, HostDType][] = [
  ["Float", "float32"],
  ["Double", "float64"],
  ["Half", "float16"],
  ["BFloat16", "bfloat16"],
  ["Long", "int64"],
  ["Int", "int32"],
  ["Short", "int16"],
  ["Char", "int8"],
  ["Byte", "uint8"],
  ["Bool", "bool"],
];

function buildDefaults(): Map<string, PickleGlobal> {
  const m = new Map<string, PickleGlobal>();
  const add = (qualname: string, g: Omit<PickleGlobal, "qualname"> & object) =>
    m.set(qualname, { qualname, ...g });
  add("collections.OrderedDict", {
    call: (args) => {
      const out = new Map<unknown, unknown>();
      const items = args[0];
      if (Array.isArray(items)) {
        for (const kv of items) if (Array.isArray(kv) && kv.length === 2) out.set(kv[0], kv[1]);
      }
      return out;
    },
    build: () => {}, // state is `_metadata` (module versions): not needed
  });
  add("argparse.Namespace", {
    call: () => ({}),
    build: (obj, state) => assignDictState(obj as object, state),
  });
  add("torch._utils._rebuild_tensor_v2", { call: rebuildTensor, build: ignoreState });
  add("torch._utils._rebuild_tensor", { call: rebuildTensor, build: ignoreState });
  add("torch._utils._rebuild_parameter", { call: firstArg, build: ignoreState });
  add("torch._utils._rebuild_parameter_with_state", { call: firstArg, build: ignoreState });
  add("torch._tensor._rebuild_from_type_v2", {
    call: (args, ctx) => callGlobal(args[0], args[2], ctx),
    build: ignoreState,
  });
  add("torch._tensor._rebuild_from_type", {
    call: (args, ctx) => callGlobal(args[0], args[2], ctx),
    build: ignoreState,
  });
  add("torch.Tensor", {});
  add("torch.nn.parameter.Parameter", {});
  add("torch.Size", { call: (args) => (Array.isArray(args[0]) ? [...args[0]] : []) });
  add("torch.device", {
    call: (args) => (args.length > 1 && args[1] !== null ? `${args[0]}:${args[1]}` : args[0]),
  });
  for (const [names, dtype] of TORCH_DTYPES) {
    for (const n of names) {
      const g: TorchDTypeMarker = { qualname: `torch.${n}`, torchDtype: dtype };
      m.set(g.qualname, g);
    }
  }
  for (const [prefix, dtype] of STORAGES) {
    const g: TorchStorageType = { qualname: `torch.${prefix}Storage`, storageDtype: dtype };
    m.set(g.qualname, g);
  }
  const bytesType: TorchStorageType = { qualname: "torch.UntypedStorage", storageDtype: "uint8" };
  m.set(bytesType.qualname, bytesType);
  add("_codecs.encode", {
    call: (args, ctx) => {
      const [s, enc] = args;
      if (typeof s !== "string") failIn(ctx, "_codecs.encode needs a string");
      const e = String(enc ?? "utf-8").toLowerCase().replace("_", "-");
      if (e === "latin1" || e === "latin-1" || e === "iso-8859-1") {
        return Uint8Array.from(s as string, (c) => c.charCodeAt(0) & 0xff);
      }
      return new TextEncoder().encode(s as string);
    },
  });
  add("builtins.set", { call: (args) => new Set(Array.isArray(args[0]) ? args[0] : []) });
  add("builtins.frozenset", { call: (args) => new Set(Array.isArray(args[0]) ? args[0] : []) });
  add("builtins.bytearray", {
    call: (args) =>
      args[0] instanceof Uint8Array
        ? args[0].slice()
        : Array.isArray(args[0])
        ? Uint8Array.from(args[0] as number[])
        : new Uint8Array(0),
  });
  for (const np of ["numpy.core.multiarray", "numpy._core.multiarray"]) {
    add(`${np}.scalar`, { call: numpyScalar });
  }
  add("numpy.dtype", {
    call: (args) => ({ descr: String(args[0]), byteorder: "=" }),
    build: (obj, state) => {
      if (Array.isArray(state) && typeof state[1] === "string") {
        defineField(obj as object, "byteorder", state[1]);
      }
    },
  });
  return m;
}

/** The allow-list of globals for `torch.save` checkpoints, keyed by `module.name`. */
export const TORCH_GLOBALS: ReadonlyMap<string, PickleGlobal> = buildDefaults();
