/**
 * Claiming and running the parts of the current job, the same loop on the calling thread and on
 * every kernel thread.
 *
 * @module
 */
import { type KernelExports, TASKS } from "./kernels.ts";
import { ARGS_OFFSET, claimBase, MAX_ARGS, PART_BITS, SLOT } from "./protocol.ts";
import { partRange } from "./partition.ts";

/** Views of one control block. */
export interface Control {
  /** The control block itself. */
  buffer: SharedArrayBuffer;
  /** Int32 slots (protocol.ts SLOT). */
  i32: Int32Array;
  /** Float64 job arguments. */
  args: Float64Array;
}

/** Views over a control block buffer. */
export function controlViews(buf: SharedArrayBuffer): Control {
  return {
    buffer: buf,
    i32: new Int32Array(buf, 0, ARGS_OFFSET / 4),
    args: new Float64Array(buf, ARGS_OFFSET, MAX_ARGS),
  };
}

/**
 * Claims parts of job `job` until none is left and runs each with `ex` (counting it done even when
 * it throws; the first error is rethrown after the loop). Returns how many parts this thread ran.
 */
export function runClaimedParts(c: Control, job: number, ex: KernelExports): number {
  const task = TASKS[c.i32[SLOT.task]!]!;
  const parts = c.i32[SLOT.parts]!;
  const total = c.i32[SLOT.total]!;
  const base = claimBase(job);
  let ran = 0;
  let failure: unknown = null;
  for (;;) {
    const word = Atomics.load(c.i32, SLOT.claim);
    if (word - base < 0 || (word >> PART_BITS) !== (base >> PART_BITS)) break;
    const part = word - base;
    if (part >= parts) break;
    if (Atomics.compareExchange(c.i32, SLOT.claim, word, word + 1) !== word) continue;
    const [start, end] = partRange(total, parts, part);
    try {
      if (end > start) task(ex, c.args, start, end);
    } catch (e) {
      failure ??= e;
      Atomics.store(c.i32, SLOT.error, 1);
    }
    ran++;
    Atomics.add(c.i32, SLOT.done, 1);
    Atomics.notify(c.i32, SLOT.done);
  }
  if (failure !== null) throw failure;
  return ran;
}
