import assert from "node:assert/strict";
import { encodeSafetensors, type HostTensor, readSafetensors } from "../../lib/io/mod.ts";
import { DataError } from "../../lib/util/errors.ts";

/** Builds a file by the spec, independently of the writer under test. */
function build(header: unknown, buffer: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

function headerOf(bytes: Uint8Array): { text: string; size: number } {
  const size = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + size)), size };
}

Deno.test("readSafetensors() decodes a spec-built file, widening F16/BF16", () => {
  const buf = new Uint8Array(4 * 2 + 3 * 2 + 2 * 2 + 8);
  const dv = new DataView(buf.buffer);
  dv.setFloat32(0, 1.5, true);
  dv.setFloat32(4, -2, true);
  [0x3c00, 0xc000, 0x7bff].forEach((h, i) => dv.setUint16(8 + 2 * i, h, true));
  [0x3f80, 0x4049].forEach((h, i) => dv.setUint16(14 + 2 * i, h, true));
  dv.setBigInt64(18, -(1n << 40n), true);
  const file = build(
    {
      __metadata__: { format: "pt" },
      w: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      h: { dtype: "F16", shape: [3, 1], data_offsets: [8, 14] },
      b: { dtype: "BF16", shape: [2], data_offsets: [14, 18] },
      n: { dtype: "I64", shape: [], data_offsets: [18, 26] },
    },
    buf,
    3,
  );
  const { tensors, metadata } = readSafetensors(file, "m.safetensors");
  assert.deepEqual(metadata, { format: "pt" });
  assert.deepEqual([...tensors.keys()], ["w", "h", "b", "n"]);
  assert.deepEqual(tensors.get("w"), {
    dtype: "float32",
    shape: [2],
    data: new Float32Array([1.5, -2]),
  });
  assert.deepEqual(tensors.get("h"), {
    dtype: "float16",
    shape: [3, 1],
    data: new Float32Array([1, -2, 65504]),
  });
  assert.deepEqual(tensors.get("b"), {
    dtype: "bfloat16",
    shape: [2],
    data: new Float32Array([1, 3.140625]),
  });
  assert.deepEqual(tensors.get("n")!.data, new BigInt64Array([-(1n << 40n)]));
});

Deno.test("encodeSafetensors() round-trips every dtype, in the given order", () => {
  const list: [string, HostTensor][] = [
    ["z.last", { dtype: "float32", shape: [2, 2], data: new Float32Array([1, 2, 3, -4]) }],
    ["a.f64", { dtype: "float64", shape: [1], data: new Float64Array([1e-300]) }],
    ["f16", { dtype: "float16", shape: [2], data: new Float32Array([0.5, -1024]) }],
    ["bf16", { dtype: "bfloat16", shape: [1], data: new Float32Array([-3.140625]) }],
    ["i64", { dtype: "int64", shape: [2], data: new BigInt64Array([7n, -(1n << 62n)]) }],
    ["i32", { dtype: "int32", shape: [1], data: new Int32Array([-9]) }],
    ["i16", { dtype: "int16", shape: [1], data: new Int16Array([-300]) }],
    ["i8", { dtype: "int8", shape: [1], data: new Int8Array([-1]) }],
    ["u8", { dtype: "uint8", shape: [3], data: new Uint8Array([0, 128, 255]) }],
    ["mask", { dtype: "bool", shape: [2], data: new Uint8Array([1, 0]) }],
    ["empty", { dtype: "float32", shape: [0, 4], data: new Float32Array(0) }],
  ];
  const bytes = encodeSafetensors(list, { epoch: "3" });
  const { size, text } = headerOf(bytes);
  assert.equal((8 + size) % 8, 0, "data starts 8-byte aligned");
  assert.match(text, /^\{.*\} *$/, "header padded with spaces");
  const back = readSafetensors(bytes);
  assert.deepEqual(back.metadata, { epoch: "3" });
  assert.deepEqual([...back.tensors], list);
  assert.deepEqual(readSafetensors(encodeSafetensors(new Map(list))).tensors, new Map(list));
  const header = JSON.parse(text);
  assert.deepEqual(header["i64"], { dtype: "I64", shape: [2], data_offsets: [30, 46] });
});

Deno.test("encodeSafetensors() rounds float16/bfloat16 to nearest even", () => {
  const t = (dtype: "float16" | "bfloat16", v: number[]) =>
    readSafetensors(
      encodeSafetensors([["x", { dtype, shape: [v.length], data: new Float32Array(v) }]]),
    )
      .tensors.get("x")!.data;
  assert.deepEqual(
    t("float16", [1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, 2 ** -25 * 3]),
    new Float32Array([1, 1 + 2 ** -9, Infinity, 2 ** -23]),
  );
  assert.deepEqual(
    t("bfloat16", [1 + 2 ** -8, 1 + 3 * 2 ** -8]),
    new Float32Array([1, 1 + 2 ** -6]),
  );
  assert.ok(Number.isNaN(t("bfloat16", [NaN])[0]));
});

Deno.test("readSafetensors() rejects malformed headers and offsets with clear errors", () => {
  const f32 = (offsets: number[], shape = [2]) => ({ dtype: "F32", shape, data_offsets: offsets });
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(4), /not a \.safetensors file/],
    [
      (() => {
        const b = build({}, new Uint8Array(0));
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /header length 1000 runs past the end/,
    ],
    [build("x", new Uint8Array(0)), /header must be a JSON object/],
    [
      (() => {
        const b = build({ a: 1 }, new Uint8Array(0));
        b[9] = 0x7b;
        return b;
      })(),
      /header is not valid UTF-8 JSON/,
    ],
    [
      build({ w: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /tensor "w": unsupported dtype "C64"/,
    ],
    [
      build({ w: f32([0, 4]) }, new Uint8Array(4)),
      /tensor "w": data_offsets \[0, 4\] span 4 bytes but F32 shape \[2\] needs 8/,
    ],
    [build({ w: f32([0, 8]) }, new Uint8Array(4)), /past the data buffer \(4 bytes\)/],
    [build({ w: f32([0, 8]), v: f32([4, 12]) }, new Uint8Array(12)), /overlap/],
    [build({ w: f32([4, 12]) }, new Uint8Array(12)), /gap at bytes \[0, 4\)/],
    [build({ w: f32([0, 8]) }, new Uint8Array(12)), /4 trailing unused bytes/],
    [build({ w: f32([8, 0]) }, new Uint8Array(8)), /data_offsets must be \[begin, end\]/],
    [build({ w: f32([0, 8], [-2]) }, new Uint8Array(8)), /shape must be an array of non-negative/],
    [build({ __metadata__: { a: 1 } }, new Uint8Array(0)), /__metadata__\.a must be a string/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => readSafetensors(bytes, "bad.safetensors"), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, /^bad\.safetensors: /);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("encodeSafetensors() rejects ill-formed tensors and reserved names", () => {
  const ok: HostTensor = { dtype: "float32", shape: [1], data: new Float32Array(1) };
  assert.throws(() => encodeSafetensors([["__metadata__", ok]]), /reserved tensor name/);
  assert.throws(() => encodeSafetensors([["a", ok], ["a", ok]]), /duplicate/);
  assert.throws(
    () => encodeSafetensors([["a", { ...ok, shape: [2] }]]),
    /tensor "a": shape \[2\] has 2 elements but data holds 1/,
  );
});
