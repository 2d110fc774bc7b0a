/**
 * Reader of IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: a big-endian
 * header `0x00 0x00 type ndim`, `ndim` uint32 dimensions, then the data. Only unsigned bytes
 * (type 0x08) are supported, which is what (Fashion-)MNIST uses.
 *
 * @module
 */
import { gunzipSync } from "fflate";
import { DataError } from "../util/errors.ts";
import { numel } from "../util/shape.ts";

/** A parsed IDX array of bytes. */
export interface IdxArray {
  /** Dimensions, e.g. `[60000, 28, 28]`. */
  shape: number[];
  /** Row-major bytes. */
  data: Uint8Array;
}

/**
 * Parses IDX bytes (gunzipping them first when they start with the gzip magic).
 * @param bytes file contents
 * @param file file name, for error messages
 * @param ndim expected number of dimensions (1 for labels, 3 for images)
 */
export function parseIdx(bytes: Uint8Array, file: string, ndim: number): IdxArray {
  let b = bytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw new DataError(`${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  const magic = ndim === 1 ? "0x00000801" : `0x0000080${ndim}`;
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0 || b[2] !== 0x08 || b[3] !== ndim) {
    const got = b.length < 4
      ? "a file shorter than 4 bytes"
      : `0x${Array.from(b.subarray(0, 4), (v) => v.toString(16).padStart(2, "0")).join("")}`;
    throw new DataError(
      `${file}: not an IDX file of unsigned bytes with ${ndim} dimension(s): magic ${got}, expected ${magic}`,
    );
  }
  const head = 4 + 4 * ndim;
  if (b.length < head) throw new DataError(`${file}: truncated IDX header`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  const n = numel(shape);
  if (b.length !== head + n) {
    throw new DataError(
      `${file}: IDX shape [${shape.join(", ")}] needs ${head + n} bytes, the file has ${b.length}`,
    );
  }
  return { shape, data: b.subarray(head) };
}

/**
 * Reads `<dir>/<name>.gz`, or `<dir>/<name>` when only the uncompressed file exists.
 * @throws DataError naming both paths when neither exists
 */
export async function readIdxFile(dir: string, name: string, ndim: number): Promise<IdxArray> {
  for (const file of [`${dir}/${name}.gz`, `${dir}/${name}`]) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw new DataError(`${file}: cannot read (${(e as Error).message})`);
    }
    return parseIdx(bytes, file, ndim);
  }
  throw new DataError(`missing IDX file: ${dir}/${name}.gz (or ${dir}/${name} uncompressed)`);
}
