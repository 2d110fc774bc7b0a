import assert from "node:assert/strict";
import { encodeNpy, type HostTensor, readNpy } from "../../lib/io/mod.ts";
import { DataError } from "../../lib/util/errors.ts";

const FIX = new URL("../fixtures/io/", import.meta.url);
const expected = JSON.parse(Deno.readTextFileSync(new URL("expected.json", FIX))).npy as Record<
  string,
  { shape: number[]; data: number[] }
>;
const read = (f: string) => readNpy(Deno.readFileSync(new URL(f, FIX)), f);

Deno.test("readNpy() reads what numpy wrote, every dtype and byte order", () => {
  const dtypes: Record<string, string> = {
    f4: "float32",
    f8: "float64",
    i8: "int64",
    i4: "int32",
    u1: "uint8",
    b1: "bool",
    scalar: "float32",
    be_f4: "float32",
  };
  for (const [k, want] of Object.entries(expected)) {
    const t = read(`${k}.npy`);
    assert.equal(t.dtype, dtypes[k], k);
    assert.deepEqual(t.shape, want.shape, k);
    assert.deepEqual(Array.from(t.data, Number), want.data, k);
  }
});

Deno.test("readNpy() reads format versions 2 and 3", () => {
  assert.deepEqual(Array.from(read("v2.npy").data, Number), expected.f4!.data);
  assert.deepEqual(read("v2.npy").shape, [2, 3]);
  const v3 = read("v3.npy");
  assert.equal(v3.dtype, "int32");
  assert.deepEqual(Array.from(v3.data, Number), expected.i4!.data);
});

Deno.test("readNpy() rejects fortran_order=True naming the file", () => {
  assert.throws(() => read("fortran.npy"), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /^fortran\.npy: fortran_order=True is not supported/);
    return true;
  });
});

function header(h: string, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = h + "\n";
  const out = new Uint8Array(10 + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  out.set(body, 10 + text.length);
  return out;
}

Deno.test("readNpy() gives clear errors for malformed files", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new TextEncoder().encode("PK\x03\x04 not npy"), /x\.npy: not a \.npy file/],
    [
      header("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(8)),
      /x\.npy: truncated \.npy data \(shape \[4\] <f4 needs 16 bytes, file has 8\)/,
    ],
    [
      header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)),
      /unsupported \.npy dtype "<c8"/,
    ],
    [header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,"), /malformed \.npy header/],
    [
      header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"),
      /structured dtypes unsupported/,
    ],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => readNpy(bytes, "x.npy"), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, re);
      return true;
    });
  }
  const v9 = header("{}");
  v9[6] = 9;
  assert.throws(() => readNpy(v9, "x.npy"), /format version 9 \(expected 1, 2 or 3\)/);
});

Deno.test("encodeNpy() round-trips every dtype through readNpy()", () => {
  const cases: HostTensor[] = [
    { dtype: "float32", shape: [2, 3], data: new Float32Array([1, -2, 3.5, 4, 5, 6e-20]) },
    { dtype: "int64", shape: [3], data: new BigInt64Array([1n, -2n, 1n << 60n]) },
    { dtype: "float64", shape: [], data: new Float64Array([Math.PI]) },
    { dtype: "float16", shape: [3], data: new Float32Array([0.5, -65504, 2 ** -24]) },
    { dtype: "int32", shape: [1, 1, 2], data: new Int32Array([-7, 7]) },
    { dtype: "int16", shape: [2], data: new Int16Array([-300, 300]) },
    { dtype: "int8", shape: [2], data: new Int8Array([-128, 127]) },
    { dtype: "uint8", shape: [0], data: new Uint8Array(0) },
    { dtype: "bool", shape: [2, 1], data: new Uint8Array([1, 0]) },
  ];
  for (const t of cases) {
    const bytes = encodeNpy(t);
    const headerEnd = bytes.indexOf(0x0a) + 1;
    assert.equal(headerEnd % 64, 0, `${t.dtype} data is 64-byte aligned`);
    assert.deepEqual(readNpy(bytes), t);
  }
  const bf = encodeNpy({ dtype: "bfloat16", shape: [2], data: new Float32Array([1, -2.5]) });
  assert.deepEqual(readNpy(bf), {
    dtype: "float32",
    shape: [2],
    data: new Float32Array([1, -2.5]),
  });
});

Deno.test("encodeNpy() writes numpy's header layout", () => {
  const bytes = encodeNpy({ dtype: "int64", shape: [5], data: new BigInt64Array(5) });
  const text = new TextDecoder().decode(bytes.subarray(10, bytes.indexOf(0x0a)));
  assert.equal(text.trimEnd(), "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }");
  assert.equal(bytes[6], 1);
});

Deno.test("encodeNpy() rejects data that does not fit the shape or dtype", () => {
  assert.throws(
    () => encodeNpy({ dtype: "float32", shape: [3], data: new Float32Array(2) }),
    /shape \[3\] has 3 elements but data holds 2/,
  );
  assert.throws(
    () => encodeNpy({ dtype: "int64", shape: [1], data: new Float32Array(1) }),
    /int64 needs its data in a BigInt64Array/,
  );
});
