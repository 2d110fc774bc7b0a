/**
 * `torch._utils._rebuild_tensor(_v2)`: a tensor view of a {@link TorchStorage} (offset, size,
 * stride), checked in exact arithmetic against its storage and the file's view budget, whose data
 * is gathered only when first read.
 *
 * @module
 */
import { formatInt, listUntrusted, quoteUntrusted } from "../util/quote.ts";
import { numelExact } from "../util/shape.ts";
import type { HostData, HostTensor } from "./host_tensor.ts";
import type { PickleContext } from "./pickle.ts";
import { defineField, describe, failIn } from "./pickle_util.ts";
import { gatherStrided, isContiguous, viewExtent } from "./strided.ts";
import {
  isTorchStorage,
  type TorchStorage,
  VIEW_BUDGET_FACTOR,
  VIEW_BUDGET_SLACK,
} from "./torch_storage.ts";

/** Highest tensor rank accepted from a file. */
export const MAX_TENSOR_RANK = 64;

const DEFERRED = new WeakSet<object>();

/**
 * True for a tensor made by the unpickler whose `data` is still unread: its `dtype` and `shape`
 * can be checked without reading (inflating) its storage.
 */
export function isDeferredTensor(v: unknown): v is HostTensor {
  return typeof v === "object" && v !== null && DEFERRED.has(v);
}

function intList(v: unknown, what: string, ctx: PickleContext): number[] {
  if (!Array.isArray(v)) {
    failIn(ctx, `${what} must be a tuple of non-negative ints, got ${describe(v)}`);
  }
  const list = v as unknown[];
  if (list.length > MAX_TENSOR_RANK) {
    failIn(ctx, `${what} has ${list.length} dimensions (at most ${MAX_TENSOR_RANK} are supported)`);
  }
  if (!list.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    failIn(ctx, `${what} must be a tuple of non-negative ints, got ${listUntrusted(list)}`);
  }
  return [...(list as number[])];
}

/**
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` → a HostTensor whose
 * data is read on first use. The view is checked here, in exact arithmetic: its extent must lie
 * inside the storage, and the file's views together (expanded ones included) must stay within
 * the {@link ViewBudget}.
 */
export function rebuildTensor(args: unknown[], ctx: PickleContext): HostTensor {
  const [storage, offset, sizeV, strideV] = args;
  if (!isTorchStorage(storage)) {
    failIn(ctx, `tensor rebuilt from a ${describe(storage)}, not a storage`);
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    failIn(ctx, `tensor storage offset must be a non-negative int`);
  }
  const size = intList(sizeV, "tensor size", ctx);
  const stride = intList(strideV, "tensor stride", ctx);
  if (stride.length !== size.length) {
    failIn(
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
    failIn(ctx, `${view()} runs past storage ${key} of ${st.numel} elements`);
  }
  // Expanded (stride-0) and overlapping views may hold more elements than their storage, as
  // in PyTorch; the file's views together stay within the budget its storages allow.
  const budget = st.budget;
  const total = BigInt(budget.viewElements) + numel;
  const limit = VIEW_BUDGET_FACTOR * budget.storageElements + VIEW_BUDGET_SLACK;
  if (total > BigInt(limit)) {
    failIn(
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
