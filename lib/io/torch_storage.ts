/**
 * Torch storages as the checkpoint readers hand them to the unpickler: typed element buffers
 * read lazily (only the prefix their views reach), and the per-file {@link ViewBudget} that
 * bounds how many elements the file's tensor views may hold.
 *
 * @module
 */
import { decodeElements, ITEM_SIZE } from "./dtype.ts";
import type { HostData, HostDType } from "./host_tensor.ts";

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
