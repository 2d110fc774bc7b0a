/**
 * The worker side of {@link DecodePool} (lib/data/decode_pool.ts): reads and decodes one image
 * file, then either resizes it for evaluation (the ImageFolder's shorter-side resize and centre
 * crop, as bytes) or runs the paper's training transform with the given generator state (as
 * normalised floats). Same code as the in-thread path, so results do not depend on where they
 * were computed.
 *
 * @module
 */
import { normalizeTable } from "./augment.ts";
import type { DecodeResult, DecodeTask } from "./decode_pool.ts";
import { decodeImage } from "./image_decode.ts";
import { resizeCenterCrop } from "./resize.ts";
import { paperTrainInto } from "./transforms/paper.ts";
import { Rng } from "../util/rng.ts";

interface WorkerScope {
  onmessage: ((e: MessageEvent<DecodeTask>) => void) | null;
  postMessage(msg: DecodeResult, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

/** Runs one task (exported for tests of the worker logic without a worker). */
export function runDecodeTask(task: DecodeTask): DecodeResult {
  try {
    const img = decodeImage(Deno.readFileSync(task.file), task.file);
    if (task.paper === null) return { id: task.id, pixels: resizeCenterCrop(img, task.size) };
    const { transform, normalize, rngState } = task.paper;
    const out = new Float32Array(task.size * task.size * 3);
    const lut = normalizeTable(normalize);
    paperTrainInto(img, task.size, transform, normalize, lut, new Rng(rngState), out, 0);
    return { id: task.id, image: out };
  } catch (e) {
    const err = e as Error;
    const message = err.name === "NotFound" || err.name === "PermissionDenied"
      ? `${task.file}: cannot read (${err.message})`
      : err.message;
    const data = err.name === "DataError" || err.name === "NotFound" ||
      err.name === "PermissionDenied";
    return { id: task.id, error: { data, message } };
  }
}

if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  scope.onmessage = (e) => {
    const r = runDecodeTask(e.data);
    const transfer: Transferable[] = [];
    if (r.pixels !== undefined) transfer.push(r.pixels.buffer as ArrayBuffer);
    if (r.image !== undefined) transfer.push(r.image.buffer as ArrayBuffer);
    scope.postMessage(r, transfer);
  };
}
