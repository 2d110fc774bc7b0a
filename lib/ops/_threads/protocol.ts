/**
 * Layout of the control block that the calling thread and the kernel threads share (a
 * SharedArrayBuffer; no messages per job). The caller writes a job (task, module, part count,
 * arguments), resets the claim word to "job tag, part 0" and publishes the job number; threads
 * blocked in `Atomics.wait` on it wake, claim parts with compare-and-swap on the claim word (the
 * caller claims too) and count finished parts; the caller waits until all parts are done. The job
 * tag in the claim word makes a late thread's claim on a finished job fail.
 *
 * @module
 */

/** Int32 slots. */
export const SLOT = {
  /** Job number (wait / notify here for new jobs). */
  job: 0,
  /** Claim word: (job tag << PART_BITS) | next part. */
  claim: 1,
  /** Parts finished (wait / notify here for completion). */
  done: 2,
  /** Nonzero when a part failed on a kernel thread. */
  error: 3,
  /** Task id (kernels.ts TASK). */
  task: 4,
  /** Parts of the job. */
  parts: 5,
  /** Size of the job's index range. */
  total: 6,
  /** Module spec: kind, a, b, fma. */
  modKind: 7,
  modA: 8,
  modB: 9,
  modFma: 10,
  /** Nonzero: threads leave their loop and close. */
  stop: 11,
  /** Kernel threads that have started and wait for jobs. */
  ready: 12,
  /** Threads of the current job, calling thread included: kernel thread i joins if i + 1 < it. */
  active: 13,
} as const;

/** Bits of the part index in the claim word. */
export const PART_BITS = 12;
/** Mask of the job tag (so that tag << PART_BITS stays a positive int32). */
export const TAG_MASK = (1 << (31 - PART_BITS)) - 1;
/** Byte offset of the float64 job arguments. */
export const ARGS_OFFSET = 128;
/** Most arguments of a job. */
export const MAX_ARGS = 32;
/** Bytes of the control block. */
export const CONTROL_BYTES = ARGS_OFFSET + 8 * MAX_ARGS;

/** The claim word of part 0 of job `job`. */
export function claimBase(job: number): number {
  return (job & TAG_MASK) << PART_BITS;
}

/** The message that starts a kernel thread. */
export interface StartMessage {
  /** The kernel memory (shared). */
  memory: WebAssembly.Memory;
  /** The control block. */
  control: SharedArrayBuffer;
  /** This kernel thread's index (0-based). */
  index: number;
}
