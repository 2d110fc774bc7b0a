// Hostile pickles: huge integers, huge APPENDS, escape sequences in global names, and the
// unpickler's allow-list as an explicit argument (no import circle with the torch globals).
import assert from "node:assert/strict";
import type { PickleGlobal } from "../../lib/io/mod.ts";
import { readPth, TORCH_GLOBALS, unpickle } from "../../lib/io/mod.ts";
import { MAX_LONG_BYTES } from "../../lib/io/pickle_opcodes.ts";
import { decodeLong } from "../../lib/io/pickle_util.ts";
import { dataError, hasControlChars, pthOf } from "./hostile_bytes.ts";
import { op, pk } from "./pickle_bytes.ts";

const globals = TORCH_GLOBALS;

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** LONG4 opcode with the given payload. */
function long4(payload: Uint8Array): Uint8Array {
  return pk(0x8b, le32(payload.length), payload);
}

Deno.test("decodeLong() is exact for small and signed values", () => {
  const cases: [number[], number | bigint][] = [
    [[], 0],
    [[0xff], -1],
    [[0x7f], 127],
    [[0x80], -128],
    [[0x00, 0x80], -32768],
    [[0xff, 0x00], 255],
    [[1, 0, 0, 0, 0, 0, 0, 0, 0x40], (1n << 70n) + 1n],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0xc0], -(1n << 70n)],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f], 2 ** 53 - 1],
    [[0, 0, 0, 0, 0, 0, 0x20], 2n ** 53n],
  ];
  for (const [bytes, want] of cases) {
    assert.equal(decodeLong(Uint8Array.from(bytes)), want, `bytes [${bytes}]`);
  }
});

Deno.test("decodeLong() decodes a 1 MiB integer in linear time (was quadratic: hung > 120 s)", () => {
  const n = 1 << 20;
  const raw = new Uint8Array(n);
  for (let i = 0; i < n; i++) raw[i] = (i * 131 + 7) & 0xff;
  raw[n - 1] = 0x3c; // positive
  const t0 = performance.now();
  const v = decodeLong(raw);
  const ms = performance.now() - t0;
  assert.ok(ms < 10_000, `took ${ms.toFixed(0)} ms`);
  assert.equal(typeof v, "bigint");
  const big = v as bigint;
  // spot-check bytes: low, middle and high
  for (const k of [0, 1, 4097, n >> 1, n - 2, n - 1]) {
    assert.equal(Number((big >> BigInt(8 * k)) & 0xffn), raw[k], `byte ${k}`);
  }
  assert.equal(big >> BigInt(8 * n), 0n);
  // negative: top bit set → two's complement
  raw[n - 1] = 0xfc;
  const neg = decodeLong(raw) as bigint;
  assert.ok(neg < 0n);
  assert.equal(neg + (1n << BigInt(8 * n)), v as bigint + (0xc0n << BigInt(8 * (n - 1))));
});

Deno.test("unpickle() caps LONG4 lengths with a DataError and decodes near-cap ones fast", () => {
  const payload = new Uint8Array(MAX_LONG_BYTES + 1).fill(0x11);
  const t0 = performance.now();
  const e = dataError(() =>
    unpickle(pk(op.proto(2), long4(payload), op.stop), { name: "l.pkl", globals })
  );
  assert.match(
    e.message,
    new RegExp(`^l\\.pkl: LONG4 integer of ${MAX_LONG_BYTES + 1} bytes exceeds`),
  );
  // a ~2 MB pickle of 30 LONG4 integers just under the cap (each took ~0.4 s when quadratic)
  const near = new Uint8Array(MAX_LONG_BYTES).fill(0x22);
  const parts = Array.from({ length: 30 }, () => long4(near));
  const v = unpickle(pk(op.proto(2), op.mark, ...parts, op.list, op.stop), { globals });
  const ms = performance.now() - t0;
  assert.ok(Array.isArray(v) && v.length === 30 && typeof v[0] === "bigint");
  assert.equal(((v[0] as bigint) >> BigInt(8 * (MAX_LONG_BYTES - 1))) & 0xffn, 0x22n);
  assert.ok(ms < 5_000, `took ${ms.toFixed(0)} ms`);
});

Deno.test("readPth() of a ~1 MB checkpoint with a huge LONG4 ends with a DataError in time", () => {
  // a state dict whose first value is a 1 MB integer: used to hang `slak infer` for minutes
  const huge = long4(new Uint8Array(1 << 20).fill(0x5a));
  const pkl = pk(op.proto(2), op.emptyDict, op.str("x"), huge, op.setitem, op.stop);
  const t0 = performance.now();
  const e = dataError(() => readPth(pthOf(pkl), "big.pth"));
  assert.ok(performance.now() - t0 < 10_000);
  assert.match(e.message, /^big\.pth: LONG4 integer of 1048576 bytes exceeds the 65536-byte limit/);
});

Deno.test("unpickle() handles APPENDS of 500k items without recursion or argument spreading", () => {
  const n = 500_000;
  const body = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) (body[2 * i] = 0x4b), (body[2 * i + 1] = i & 0xff); // BININT1
  const bytes = pk(op.proto(2), op.emptyList, op.mark, body, op.appends, op.stop);
  const t0 = performance.now();
  const v = unpickle(bytes, { globals }) as number[];
  assert.ok(performance.now() - t0 < 5_000);
  assert.equal(v.length, n);
  assert.equal(v[n - 1], (n - 1) & 0xff);
  // the same items into a set (ADDITEMS) and a dict (SETITEMS)
  const set = unpickle(pk(op.proto(4), 0x8f, op.mark, body, 0x90, op.stop), { globals });
  assert.ok(set instanceof Set && set.size === 256);
  const dict = unpickle(pk(op.proto(2), op.emptyDict, op.mark, body, op.setitems, op.stop), {
    globals,
  });
  assert.ok(dict instanceof Map && dict.size === 128); // keys: the even values 0..254
});

Deno.test("unpickle() escapes control characters in a refused global's name", () => {
  const evil = pk(op.proto(2), op.global("os\x1b[2J\x1b[H", "system\x07"), op.stop);
  const e = dataError(() => unpickle(evil, { name: "evil.pth", globals }));
  assert.ok(!hasControlChars(e.message), JSON.stringify(e.message));
  assert.match(e.message, /refusing to load global "os\\x1b\[2J\\x1b\[H\.system\\x07"/);
  // a very long name is cut: the message stays one short line
  const long = pk(op.proto(2), op.global("m".repeat(100_000), "f"), op.stop);
  const e2 = dataError(() => unpickle(long, { globals }));
  assert.ok(e2.message.length < 600, `message of ${e2.message.length} characters`);
  assert.match(e2.message, /\(100002 characters\)/);
});

Deno.test("unpickle() takes its allow-list as an argument; pickle.ts does not import the torch list", async () => {
  // a custom allow-list: only what it names is callable
  const custom = new Map<string, PickleGlobal>([
    ["mod.pair", { qualname: "mod.pair", call: (args) => ({ pair: args }) }],
  ]);
  const call = pk(
    op.proto(2),
    op.global("mod", "pair"),
    op.int(1),
    op.int(2),
    op.tuple2,
    op.reduce,
    op.stop,
  );
  assert.deepEqual(unpickle(call, { globals: custom }), { pair: [1, 2] });
  const od = pk(
    op.proto(2),
    op.global("collections", "OrderedDict"),
    op.emptyTuple,
    op.reduce,
    op.stop,
  );
  assert.match(
    dataError(() => unpickle(od, { globals: custom })).message,
    /"collections\.OrderedDict"/,
  );
  assert.ok(unpickle(od, { globals: TORCH_GLOBALS }) instanceof Map);
  // the dependency points one way: pickle_globals → pickle (types), never pickle → pickle_globals
  const src = await Deno.readTextFile(new URL("../../lib/io/pickle.ts", import.meta.url));
  const imports = [...src.matchAll(/^import[^;]*from\s+"([^"]+)"/gm)].map((m) => m[1]);
  assert.ok(imports.length > 0);
  assert.ok(!imports.some((p) => /pickle_globals|pth/.test(p!)), `pickle.ts imports ${imports}`);
  const globalsSrc = await Deno.readTextFile(
    new URL("../../lib/io/pickle_globals.ts", import.meta.url),
  );
  assert.match(globalsSrc, /^import type \{[^}]*PickleGlobal[^}]*\} from "\.\/pickle\.ts";/m);
});
