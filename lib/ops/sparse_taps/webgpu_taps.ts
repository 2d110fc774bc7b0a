/**
 * Device copies of tap lists for the WebGPU kernel: per (tap list, padded width) the CSR offsets,
 * the taps as linear offsets in the padded plane (dy · WP + dx) and their weights, uploaded on
 * first use and kept until {@link releaseTapList}.
 *
 * @module
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { tf } from "../../tf.ts";
import type { TapList } from "./tap_list.ts";

/** One tap list on one WebGPU backend, laid out for one padded width. */
export interface DeviceTaps {
  backend: WebGPUBackend;
  /** [C + 1] int32 offsets. */
  start: tf.TensorInfo;
  /** [taps] int32 offsets in the padded plane. */
  pos: tf.TensorInfo;
  /** [taps] float32 weights. */
  tw: tf.TensorInfo;
}

const copies = new WeakMap<TapList, Map<number, DeviceTaps>>();

function free(d: DeviceTaps): void {
  for (const t of [d.start, d.pos, d.tw]) d.backend.disposeData(t.dataId);
}

/** The device copy of `taps` for padded width `wp` on `backend` (uploaded once, then cached). */
export function deviceTaps(backend: WebGPUBackend, taps: TapList, wp: number): DeviceTaps {
  let per = copies.get(taps);
  if (!per) copies.set(taps, per = new Map());
  const cached = per.get(wp);
  if (cached && cached.backend === backend) return cached;
  if (cached) free(cached);
  const pos = new Int32Array(taps.w.length);
  for (let t = 0; t < pos.length; t++) pos[t] = taps.dy[t]! * wp + taps.dx[t]!;
  const d: DeviceTaps = {
    backend,
    start: backend.makeTensorInfo([taps.start.length], "int32", taps.start),
    pos: backend.makeTensorInfo([pos.length], "int32", pos),
    tw: backend.makeTensorInfo([taps.w.length], "float32", taps.w),
  };
  per.set(wp, d);
  return d;
}

/** Frees the device copies of a tap list's taps (a no-op when there are none). */
export function releaseTapList(taps: TapList): void {
  for (const d of copies.get(taps)?.values() ?? []) free(d);
  copies.delete(taps);
}
