/**
 * The allow-list of globals a checkpoint pickle may name, each mapped to an inert constructor:
 * torch tensors/parameters/storages/dtypes/sizes, `collections.OrderedDict`,
 * `argparse.Namespace` (a plain record), `_codecs.encode`, small builtins and numpy scalars.
 * Nothing here runs code from the file.
 *
 * @module
 */

import { DataError } from "../util/errors.ts";
import { formatInt, listUntrusted, quoteUntrusted } from "../util/quote.ts";
import { decodeElements, ITEM_SIZE } from "./dtype.ts";
import type { HostData, HostDType, HostTensor } from "./host_tensor.ts";
import type { PickleContext, PickleGlobal } from "./pickle.ts";
import { defineField, describe } from "./pickle_util.ts";
import { gatherStrided, isContiguous, numelExact, viewExtent } from "./strided.ts";

/**
 * Per-file account of the elements a checkpoint's tensors may hold: every view is counted
 * against the storages the file carries, so that a few bytes of pickle cannot describe gigabytes
 * of tensors (many full views of one storage).
 */
export interface ViewBudget {
  /** Elements of the file's storages (each counted once). */
  storageElements: number;
  /** Elements of the tensor views made so far. */
  viewElements: number;
}

/** Views may hold this many times the elements of the storages (ties, transposes, slices)... */
export const VIEW_BUDGET_FACTOR = 4;
/** ... plus this many elements. */
export const VIEW_BUDGET_SLACK = 1 << 20;
/** Highest tensor rank accepted from a file. */
export const MAX_TENSOR_RANK = 64;

/** A fresh {@link ViewBudget} for one file. */
export function newViewBudget(): ViewBudget {
  return { storageElements: 0, viewElements: 0 };
}

/**
 * A torch storage referenced by a persistent id. Nothing is read until a tensor's data is
 * first asked for, and then only the prefix its views reach ({@link TorchStorage.reach}).
 */
export interface TorchStorage {
  /** Marks the object. */
  readonly kind: "torch.storage";
  /** Element type. */
  readonly dtype: HostDType;
  /** Number of elements. */
  readonly numel: number;
  /** Archive key (for error messages). */
  readonly key: string;
  /** The file's element budget, shared by its storages. */
  readonly budget: ViewBudget;
  /** Elements the views made so far reach (one past the highest index); grows per view. */
  reach: number;
  /** The first `max(reach, need)` elements, decoded (cached; decoded again only if more). */
  elements(need: number): HostData;
  /** Set once a tensor has taken `elements()` itself (later views copy). */
  claimed: boolean;
}

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

/**
 * Creates a {@link TorchStorage} over bytes fetched on demand: `load(nbytes)` returns at least
 * the first `nbytes` bytes (a bounded read of a zip entry, or a slice of the file).
 */
export function makeStorage(
  key: string,
  dtype: HostDType,
  numel: number,
  load: (nbytes: number) => Uint8Array,
  budget: ViewBudget,
  littleEndian = true,
): TorchStorage {
  let cache: HostData | undefined;
  return {
    kind: "torch.storage",
    dtype,
    numel,
    key,
    budget,
    reach: 0,
    claimed: false,
    elements(need: number) {
      const count = Math.min(numel, Math.max(this.reach, need));
      if (!cache || cache.length < count) {
        cache = decodeElements(load(count * ITEM_SIZE[dtype]), dtype, count, littleEndian);
      }
      return cache;
    },
  };
}

/** True for a {@link TorchStorage}. */
export function isTorchStorage(v: unknown): v is TorchStorage {
  return typeof v === "object" && v !== null && (v as TorchStorage).kind === "torch.storage";
}

const DEFERRED = new WeakSet<object>();

/**
 * True for a tensor made by the unpickler whose `data` is still unread: its `dtype` and `shape`
 * can be checked without reading (inflating) its storage.
 */
export function isDeferredTensor(v: unknown): v is HostTensor {
  return typeof v === "object" && v !== null && DEFERRED.has(v);
}

function fail(ctx: PickleContext, msg: string): never {
  throw new DataError(`${ctx.name}: ${msg}`);
}

function intList(v: unknown, what: string, ctx: PickleContext): number[] {
  if (!Array.isArray(v)) {
    fail(ctx, `${what} must be a tuple of non-negative ints, got ${describe(v)}`);
  }
  const list = v as unknown[];
  if (list.length > MAX_TENSOR_RANK) {
    fail(ctx, `${what} has ${list.length} dimensions (at most ${MAX_TENSOR_RANK} are supported)`);
  }
  if (!list.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(ctx, `${what} must be a tuple of non-negative ints, got ${listUntrusted(list)}`);
  }
  return [...(list as number[])];
}

/**
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` → a HostTensor whose
 * data is read on first use. The view is checked here, in exact arithmetic: its extent must lie
 * inside the storage, and the file's views together (expanded ones included) must stay within
 * the {@link ViewBudget}.
 */
function rebuildTensor(args: unknown[], ctx: PickleContext): HostTensor {
  const [storage, offset, sizeV, strideV] = args;
  if (!isTorchStorage(storage)) {
    fail(ctx, `tensor rebuilt from a ${describe(storage)}, not a storage`);
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    fail(ctx, `tensor storage offset must be a non-negative int`);
  }
  const size = intList(sizeV, "tensor size", ctx);
  const stride = intList(strideV, "tensor stride", ctx);
  if (stride.length !== size.length) {
    fail(
      ctx,
      `tensor size ${listUntrusted(size)} and stride ${listUntrusted(stride)} differ in rank`,
    );
  }
  const off = offset as number;
  const st = storage as TorchStorage;
  const key = quoteUntrusted(st.key);
  const view = () =>
    `tensor view (offset ${off}, size ${listUntrusted(size)}, stride ${listUntrusted(stride)})`;
  const numel = numelExact(size);
  const extent = viewExtent(off, size, stride);
  if (extent > BigInt(st.numel)) {
    fail(ctx, `${view()} runs past storage ${key} of ${st.numel} elements`);
  }
  // Expanded (stride-0) and overlapping views may hold more elements than their storage, as
  // in PyTorch; the file's views together stay within the budget its storages allow.
  const budget = st.budget;
  const total = BigInt(budget.viewElements) + numel;
  const limit = VIEW_BUDGET_FACTOR * budget.storageElements + VIEW_BUDGET_SLACK;
  if (total > BigInt(limit)) {
    fail(
      ctx,
      `${view()} of storage ${key} has ${formatInt(numel)} elements; with it the file's tensors ` +
        `would hold ${formatInt(total)}, more than ${VIEW_BUDGET_FACTOR}x the ` +
        `${budget.storageElements} elements its storages carry (+${VIEW_BUDGET_SLACK}); ` +
        `refusing to materialise them`,
    );
  }
  const n = Number(numel);
  budget.viewElements += n;
  st.reach = Math.max(st.reach, Number(extent));
  const t = { dtype: st.dtype, shape: size } as HostTensor;
  const materialise = (): HostData => {
    const src = st.elements(Number(extent));
    let data: HostData;
    if (
      !st.claimed && off === 0 && n === st.numel && src.length === n && isContiguous(size, stride)
    ) {
      st.claimed = true;
      data = src;
    } else data = gatherStrided(src, off, size, stride);
    defineField(t, "data", data);
    DEFERRED.delete(t);
    return data;
  };
  Object.defineProperty(t, "data", {
    enumerable: true,
    configurable: true,
    get: materialise,
    set: (v: HostData) => {
      defineField(t, "data", v);
      DEFERRED.delete(t);
    },
  });
  DEFERRED.add(t);
  return t;
}

/** BUILD on a tensor: torch never writes one; its state is ignored (never overwrites data). */
function ignoreState(): void {}

function firstArg(args: unknown[]): unknown {
  return args[0];
}

function callGlobal(f: unknown, args: unknown, ctx: PickleContext): unknown {
  const g = f as PickleGlobal;
  if (typeof g !== "object" || g === null || !g.call || !Array.isArray(args)) {
    fail(ctx, `tensor subclass rebuilt with a ${describe(f)}`);
  }
  return g.call!(args as unknown[], ctx);
}

function numpyScalar(args: unknown[], ctx: PickleContext): unknown {
  const [dt, raw] = args;
  const d = dt as { descr?: string; byteorder?: string };
  if (!(raw instanceof Uint8Array) || typeof d?.descr !== "string") {
    fail(ctx, "numpy scalar needs a numpy.dtype and bytes");
  }
  const codes: Record<string, HostDType> = {
    f8: "float64",
    f4: "float32",
    f2: "float16",
    i8: "int64",
    i4: "int32",
    i2: "int16",
    i1: "int8",
    u1: "uint8",
    b1: "bool",
  };
  const dtype = Object.hasOwn(codes, d.descr!) ? codes[d.descr!]! : undefined;
  if (!dtype || (raw as Uint8Array).length !== ITEM_SIZE[dtype]) {
    return fail(ctx, `unsupported numpy scalar dtype ${quoteUntrusted(String(d.descr))}`);
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
    build: (obj, state) => {
      const parts = Array.isArray(state) ? state : [state];
      for (const p of parts) {
        if (p instanceof Map) {
          for (const [k, v] of p) if (typeof k === "string") defineField(obj as object, k, v);
        }
      }
    },
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
      if (typeof s !== "string") fail(ctx, "_codecs.encode needs a string");
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
