// Hostile torch.save files: views that would materialise gigabytes, zip entries that inflate far
// past what they declare or what the tensors need, sizes beyond 2^53, and escape sequences in
// names. Each must end in a DataError (or load correctly) quickly and without a big allocation.
import assert from "node:assert/strict";
import { readPth } from "../../lib/io/mod.ts";
import { MAX_PICKLE_BYTES } from "../../lib/io/pth.ts";
import { openZip } from "../../lib/io/zip.ts";
import {
  dataError,
  deflateZeros,
  hasControlChars,
  peakRss,
  pthOf,
  pyInt,
  statePickle,
  zipOf,
} from "./hostile_bytes.ts";
import { op, pk } from "./pickle_bytes.ts";

const MiB = 1 << 20;
const GiB = 1 << 30;

/** Runs `fn`, asserting it took under `ms` and raised the peak RSS by under `bytes`. */
function bounded<T>(fn: () => T, ms = 5_000, bytes = 256 * MiB): T {
  const rss0 = peakRss();
  const t0 = performance.now();
  const out = fn();
  const took = performance.now() - t0;
  const grew = peakRss() - rss0;
  assert.ok(took < ms, `took ${took.toFixed(0)} ms`);
  assert.ok(grew < bytes, `peak RSS grew by ${(grew / MiB).toFixed(0)} MiB`);
  return out;
}

const f32 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);

Deno.test("a 40000x40000 stride-0 view of a 1-element storage is refused, not materialised", () => {
  const pkl = statePickle([
    { key: "w", storage: "0", numel: 1, size: [40000, 40000], stride: [0, 0] },
  ]);
  const file = pthOf(pkl, [{ name: "0", data: f32([1]), method: 0 }]);
  assert.ok(file.length < 1024, `a ${file.length}-byte file`);
  const e = bounded(() => dataError(() => readPth(file, "x.pth")));
  assert.equal(
    e.message,
    'x.pth: tensor view (offset 0, size [40000,40000], stride [0,0]) of storage "0" has ' +
      "1600000000 elements; with it the file's tensors would hold 1600000000, more than 4x the " +
      "1 elements its storages carry (+1048576); refusing to materialise them",
  );
  // a modest expanded view loads as PyTorch's does (a dense copy)
  const small = statePickle([{ key: "w", storage: "0", numel: 3, size: [4, 3], stride: [0, 1] }]);
  const t = readPth(pthOf(small, [{ name: "0", data: f32([1, 2, 3]), method: 0 }])) as Map<
    string,
    { shape: number[]; data: Float32Array }
  >;
  assert.deepEqual(t.get("w")!.shape, [4, 3]);
  assert.deepEqual(Array.from(t.get("w")!.data), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
});

Deno.test("a view of 2^62 elements is a DataError (exit 65) with exact numbers", () => {
  const big = 2n ** 31n;
  const pkl = statePickle([{ key: "w", storage: "0", numel: 1, size: [big, big], stride: [0, 0] }]);
  const e = bounded(() =>
    dataError(() => readPth(pthOf(pkl, [{ name: "0", data: f32([1]), method: 0 }]), "x.pth"))
  );
  assert.match(e.message, /size \[2147483648,2147483648\].* has 4611686018427387904 elements/);
  // sizes beyond 2^53 are quoted exactly, never as rounded doubles
  const huge = statePickle([{ key: "w", storage: "0", numel: 1, size: [2n ** 60n], stride: [1] }]);
  const e2 = dataError(() => readPth(pthOf(huge, [{ name: "0", data: f32([1]), method: 0 }])));
  assert.match(
    e2.message,
    /tensor size must be a tuple of non-negative ints, got \[1152921504606846976\]/,
  );
  assert.ok(!e2.message.includes("1152921504606847000"));
  const store = statePickle([{ key: "w", storage: "0", numel: 2n ** 60n, size: [1], stride: [1] }]);
  const e3 = dataError(() => readPth(pthOf(store, [{ name: "0", data: f32([1]), method: 0 }])));
  assert.match(e3.message, /storage "0" has 1152921504606846976 elements/);
  // an absurd rank is refused before anything is multiplied
  const rank = statePickle([
    {
      key: "w",
      storage: "0",
      numel: 1,
      size: Array(100_000).fill(1),
      stride: Array(100_000).fill(1),
    },
  ]);
  const e4 = dataError(() => readPth(pthOf(rank, [{ name: "0", data: f32([1]), method: 0 }])));
  assert.match(e4.message, /tensor size has 100000 dimensions \(at most 64 are supported\)/);
  assert.ok(e4.message.length < 300);
});

Deno.test("many full views of one storage exceed the file's element budget", () => {
  const n = 300_000;
  const storage = { name: "0", data: new Uint8Array(4 * n), method: 0 as const };
  const view = (k: number) => ({ key: `w${k}`, storage: "0", numel: n, size: [n], stride: [1] });
  // tied and transposed views (2x) are fine ...
  const ok = readPth(pthOf(statePickle([view(0), view(1)]), [storage])) as Map<string, unknown>;
  assert.equal(ok.size, 2);
  // ... ten full copies are not: 3M elements > 4 x 300k + 1Mi
  const views = Array.from({ length: 10 }, (_, k) => view(k));
  const e = bounded(() => dataError(() => readPth(pthOf(statePickle(views), [storage]), "t.pth")));
  assert.match(
    e.message,
    /^t\.pth: tensor view \(offset 0, size \[300000\], stride \[1\]\) of storage "0" has 300000 elements; with it the file's tensors would hold 2400000, more than 4x the 300000 elements/,
  );
});

Deno.test("data.pkl declaring 1 GiB is refused before inflating", () => {
  const bomb = deflateZeros(GiB); // ~6.8 MB that inflate to 1 GiB
  const file = zipOf([{ name: "arch/data.pkl", data: bomb, method: 8, size: GiB }]);
  const e = bounded(() => dataError(() => readPth(file, "b.pth")), 2_000, 64 * MiB);
  assert.match(
    e.message,
    new RegExp(
      `^b\\.pth: entry "arch/data\\.pkl" declares ${GiB} bytes, more than the ${MAX_PICKLE_BYTES} allowed$`,
    ),
  );
});

Deno.test("an entry that inflates past its declared size stops there with a DataError", () => {
  const bomb = deflateZeros(GiB);
  const file = zipOf([{ name: "arch/data.pkl", data: bomb, method: 8, size: 100 }]);
  const e = bounded(() => dataError(() => readPth(file, "b.pth")), 5_000, 128 * MiB);
  assert.match(
    e.message,
    /^b\.pth: entry "arch\/data\.pkl" inflates past its declared size of 100 bytes$/,
  );
  // and one declaring more than deflate can produce from its bytes is refused unread
  const small = zipOf([{ name: "x", data: deflateZeros(1000), method: 8, size: 64 * MiB }]);
  const e2 = dataError(() => openZip(small, "s.zip").read("x"));
  assert.match(
    e2.message,
    /^s\.zip: entry "x" declares 67108864 bytes, more than its \d+ compressed bytes can hold$/,
  );
  // one that ends short of its declared size
  const short = zipOf([{ name: "x", data: deflateZeros(1000), method: 8, size: 2000 }]);
  assert.match(
    dataError(() => openZip(short, "s.zip").read("x")).message,
    /entry "x" inflates to 1000 bytes, its declared size is 2000/,
  );
});

Deno.test("a storage is inflated only as far as its views reach", () => {
  // storage "0": 2^28 float32 declared (1 GiB of zeros), but the archive holds only the first
  // ~1.1 MB of the deflate stream: reading more than the view's prefix would hit its end.
  const stream = deflateZeros(GiB).subarray(0, 1_100_000);
  const pkl = statePickle([{
    key: "w",
    storage: "0",
    numel: GiB / 4,
    size: [4, 4],
    stride: [4, 1],
  }]);
  const file = pthOf(pkl, [{ name: "0", data: stream, method: 8, size: GiB }]);
  const sd = bounded(() => readPth(file, "p.pth") as Map<string, { data: Float32Array }>);
  const w = bounded(() => sd.get("w")!.data);
  assert.deepEqual(Array.from(w), new Array(16).fill(0));
  // a view reaching further than the stream holds: a DataError when its data is read
  const part = deflateZeros(GiB).subarray(0, 100_000); // ~16 MB of zeros, then cut
  const numel = 24 * MiB; // 96 MiB declared
  const far = statePickle([
    { key: "w", storage: "0", numel, offset: numel - 1, size: [1], stride: [1] },
  ]);
  const sd2 = readPth(pthOf(far, [{ name: "0", data: part, method: 8, size: 4 * numel }]), "p.pth");
  const e = bounded(() => dataError(() => (sd2 as Map<string, { data: unknown }>).get("w")!.data));
  assert.match(e.message, /^p\.pth: entry "arch\/data\/0": corrupt deflate data/);
});

Deno.test("storage sizes are checked from the zip directory before any data is read", () => {
  const pkl = statePickle([{ key: "w", storage: "0", numel: 1000, size: [10], stride: [1] }]);
  // declared 400 bytes for 1000 float32: refused while unpickling, nothing inflated
  const file = pthOf(pkl, [{ name: "0", data: new Uint8Array([0xff]), method: 8, size: 400 }]);
  assert.match(
    dataError(() => readPth(file, "d.pth")).message,
    /^d\.pth: storage "arch\/data\/0" has 400 bytes, 1000 float32 need 4000$/,
  );
});

Deno.test("names from the file are escaped and cut in messages", () => {
  const key = "\x1b[2J\x1b[31mowned\x9b1m";
  const pkl = statePickle([{ key: "w", storage: key, numel: 4, size: [5], stride: [1] }]);
  const e = dataError(() =>
    readPth(pthOf(pkl, [{ name: key, data: f32([1, 2, 3, 4]), method: 0 }]), "e.pth")
  );
  assert.ok(!hasControlChars(e.message), JSON.stringify(e.message));
  assert.match(e.message, /runs past storage "\\x1b\[2J\\x1b\[31mowned\\x9b1m" of 4 elements/);
  const missing = dataError(() => readPth(pthOf(pkl), "e.pth"));
  assert.match(missing.message, /storage "arch\/data\/\\x1b\[2J\\x1b\[31mowned\\x9b1m" is missing/);
  const order = zipOf([
    { name: "arch/data.pkl", data: pkl, method: 0 },
    { name: "arch/byteorder", data: new TextEncoder().encode("\x1b]0;title\x07"), method: 0 },
  ]);
  assert.match(dataError(() => readPth(order)).message, /byteorder "\\x1b\]0;title\\x07"/);
});

Deno.test("a legacy checkpoint's storage sizes are exact and bounded by the file", () => {
  const le64 = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v, true);
    return b;
  };
  const main = pk(
    op.proto(2),
    op.global("torch._utils", "_rebuild_tensor_v2"),
    op.mark,
    op.mark,
    op.str("storage"),
    op.global("torch", "FloatStorage"),
    op.str("0"),
    op.str("cpu"),
    op.int(4),
    op.none,
    op.tuple,
    op.binpersid,
    op.int(0),
    op.mark,
    op.int(4),
    op.tuple,
    op.mark,
    op.int(1),
    op.tuple,
    op.false,
    op.global("collections", "OrderedDict"),
    op.emptyTuple,
    op.reduce,
    op.tuple,
    op.reduce,
    op.stop,
  );
  const legacy = (numel: bigint, data: Uint8Array) =>
    pk(
      pk(op.proto(2), pyInt(0x1950a86a20f9469cfc6cn), op.stop),
      pk(op.proto(2), op.int(1001), op.stop),
      pk(op.proto(2), op.emptyDict, op.stop),
      main,
      pk(op.proto(2), op.mark, op.str("0"), op.list, op.stop),
      le64(numel),
      data,
    );
  const t = readPth(legacy(4n, f32([1, 2, 3, 4])), "l.pth") as { data: Float32Array };
  assert.deepEqual(Array.from(t.data), [1, 2, 3, 4]);
  const e = dataError(() => readPth(legacy(2n ** 60n, f32([1])), "l.pth"));
  assert.match(
    e.message,
    /^l\.pth: legacy storage "0" truncated: 1152921504606846976 float32 need 4611686018427387904 bytes, 4 remain$/,
  );
});

Deno.test("a zip directory entry running past the file is a DataError, not a RangeError", () => {
  const file = zipOf([{ name: "a", data: new Uint8Array(3), method: 0 }]);
  const cd = file.length - 22 - 47; // central directory entry (46 + 1-byte name)
  new DataView(file.buffer).setUint16(cd + 30, 0xffff, true); // extra field length
  assert.match(dataError(() => openZip(file, "z.zip")).message, /runs past the end of the file/);
});
