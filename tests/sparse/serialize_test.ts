import assert from "node:assert/strict";
import {
  deserializeMasks,
  initMasks,
  packBits,
  serializeMasks,
  uniformDensities,
  unpackBits,
} from "../../lib/sparse/mod.ts";
import { DataError } from "../../lib/util/errors.ts";
import { Rng } from "../../lib/util/rng.ts";

const SHAPES = new Map<string, number[]>([["a", [3, 3, 5, 1]], ["b", [7, 3]], ["c", [1, 1]]]);

Deno.test("packBits()/unpackBits() round-trip odd lengths, 8 entries per byte", () => {
  const m = new Uint8Array([1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1]);
  const p = packBits(m);
  assert.equal(p.length, 2);
  assert.equal(p[0], 0b10001101);
  assert.deepEqual(unpackBits(p, m.length), m);
});

Deno.test("serializeMasks()/deserializeMasks() round-trip, check shapes, reject bad input", () => {
  const masks = initMasks(uniformDensities(SHAPES, 0.6), SHAPES, Rng.stream(0, "mask"));
  const bytes = serializeMasks(masks, SHAPES);
  const back = deserializeMasks(bytes, SHAPES);
  assert.deepEqual(back.masks, masks);
  assert.deepEqual(back.shapes, SHAPES);
  const wrong = new Map(SHAPES);
  wrong.set("b", [3, 7]);
  assert.throws(() => deserializeMasks(bytes, wrong, "ckpt.safetensors"), (e: unknown) => {
    return e instanceof DataError &&
      /ckpt\.safetensors: mask of "b" has shape \[7,3\]/.test(e.message);
  });
  assert.throws(() => deserializeMasks(bytes, new Map([["a", [3, 3, 5, 1]]])), /"b"/);
  assert.throws(() => deserializeMasks(new Uint8Array(16)), DataError);
  assert.throws(() => deserializeMasks(bytes.subarray(0, bytes.length - 1)), /truncated/);
});
