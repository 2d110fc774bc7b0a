/**
 * Where the fused linear op keeps what its backward needs (the GELU slope, or the pre-scale values)
 * between the forward and the backward of a training step, outside tfjs's tensors. A fresh large
 * array costs a page fault per 4 KiB on first write (on a loaded machine up to ~20 ns per value,
 * more than the GELU itself), and these arrays are made and dropped every step in the same sizes.
 * So the forward takes a buffer from a bounded pool, files it under a handle (the dataId of a
 * zero-size tensor the op outputs and its gradient saves), and the backward takes it back out
 * and returns it to the pool, for the next step's forward. A handle whose backward never runs
 * (no gradient asked for) lets its buffer go with it (weakly held).
 *
 * Each buffer is read by exactly one backward: tfjs runs a recorded op's gradient once.
 *
 * @module
 */

/** Most bytes kept in the pool (buffers beyond it are left to the garbage collector). */
export const POOL_MAX_BYTES = 256 * 2 ** 20;

const filed = new WeakMap<object, Float32Array>();
const pool = new Map<number, Float32Array[]>();
let pooledBytes = 0;

/** A buffer of exactly `length` floats: a pooled one when available (contents arbitrary). */
export function takeBuffer(length: number): Float32Array {
  const list = pool.get(length);
  const b = list?.pop();
  if (b === undefined) return new Float32Array(length);
  pooledBytes -= b.byteLength;
  return b;
}

/** Files `buffer` under `handle` until {@link claimAux}. */
export function fileAux(handle: object, buffer: Float32Array): void {
  filed.set(handle, buffer);
}

/** The buffer filed under `handle`, unfiled (a second claim is a bug and throws). */
export function claimAux(handle: object): Float32Array {
  const b = filed.get(handle);
  if (b === undefined) throw new Error("linearFused(): backward state missing or already used");
  filed.delete(handle);
  return b;
}

/** Returns a claimed buffer to the pool (or drops it when the pool is full). */
export function recycleBuffer(buffer: Float32Array): void {
  if (buffer.length === 0 || pooledBytes + buffer.byteLength > POOL_MAX_BYTES) return;
  const list = pool.get(buffer.length) ?? [];
  list.push(buffer);
  pool.set(buffer.length, list);
  pooledBytes += buffer.byteLength;
}

/** Bytes now pooled (for tests). */
export function pooledAuxBytes(): number {
  return pooledBytes;
}
