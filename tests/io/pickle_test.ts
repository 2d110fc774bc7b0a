import assert from "node:assert/strict";
import {
  TORCH_GLOBALS,
  unpickle as unpickleWith,
  unpickleAt as unpickleAtWith,
} from "../../lib/io/mod.ts";
import type { UnpickleOptions } from "../../lib/io/mod.ts";
import { DataError } from "../../lib/util/errors.ts";
import { op, pk } from "./pickle_bytes.ts";

type Opts = Omit<UnpickleOptions, "globals">;
const unpickle = (b: Uint8Array, o: Opts = {}) => unpickleWith(b, { globals: TORCH_GLOBALS, ...o });
const unpickleAt = (b: Uint8Array, at: number, o: Opts = {}) =>
  unpickleAtWith(b, at, { globals: TORCH_GLOBALS, ...o });

const throwsData = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, re);
    return true;
  });

Deno.test("unpickle() decodes scalars, strings, bytes and containers", () => {
  const bytes = pk(
    op.proto(4),
    op.frame(0),
    op.emptyDict,
    op.memoize,
    op.mark,
    op.str("ints"),
    op.mark,
    op.int(5),
    op.int(300),
    op.int(-2),
    op.int(70000),
    op.long1(1n << 70n),
    op.long1(-129n),
    op.list,
    op.str("misc"),
    op.none,
    op.true,
    op.false,
    op.tuple3,
    op.str("float"),
    op.float(-0.125),
    op.str("text"),
    op.binunicode("h\u00e9"),
    op.binstring("py2"),
    op.tuple2,
    op.str("bytes"),
    op.bytes([0, 255]),
    op.binbytes([1]),
    op.tuple2,
    op.str("nested"),
    op.emptyList,
    op.emptyTuple,
    op.append,
    op.int(1),
    op.tuple1,
    op.append,
    op.setitems,
    op.stop,
  );
  const want = new Map<string, unknown>([
    ["ints", [5, 300, -2, 70000, 1n << 70n, -129]],
    ["misc", [null, true, false]],
    ["float", -0.125],
    ["text", ["h\u00e9", "py2"]],
    ["bytes", [new Uint8Array([0, 255]), new Uint8Array([1])]],
    ["nested", [[], [1]]],
  ]);
  assert.deepEqual(unpickle(bytes), want);
});

Deno.test("unpickle() honours the memo (shared objects stay shared)", () => {
  const bytes = pk(
    op.proto(2),
    op.emptyList,
    op.binput(0),
    op.emptyDict,
    op.longBinput(1),
    op.str("k"),
    op.int(1),
    op.setitem,
    op.append,
    op.binget(1),
    op.append,
    op.longBinget(1),
    op.append,
    op.stop,
  );
  const v = unpickle(bytes) as Map<string, number>[];
  assert.equal(v.length, 3);
  assert.equal(v[0], v[1]);
  assert.equal(v[1], v[2]);
  assert.deepEqual(v[0], new Map([["k", 1]]));
});

Deno.test("unpickle() builds allow-listed inert objects", () => {
  // OrderedDict([('a', 1)]) via REDUCE, protocol-2 bytes via _codecs.encode, argparse.Namespace
  const bytes = pk(
    op.proto(2),
    op.mark,
    op.global("collections", "OrderedDict"),
    op.mark,
    op.str("a"),
    op.int(1),
    op.tuple2,
    op.list,
    op.tuple1,
    op.reduce,
    op.global("_codecs", "encode"),
    op.str("\u00ff\u0001"),
    op.str("latin1"),
    op.tuple2,
    op.reduce,
    op.str("argparse"),
    op.str("Namespace"),
    op.stackGlobal,
    op.emptyTuple,
    op.newobj,
    op.emptyDict,
    op.str("lr"),
    op.float(0.004),
    op.setitem,
    op.str("__proto__"),
    op.int(1),
    op.setitem,
    op.build,
    op.global("torch", "Size"),
    op.int(2),
    op.int(3),
    op.tuple2,
    op.tuple1,
    op.reduce,
    op.tuple,
    op.stop,
  );
  const [od, raw, ns, size] = unpickle(bytes) as unknown[];
  assert.deepEqual(od, new Map([["a", 1]]));
  assert.deepEqual(raw, new Uint8Array([255, 1]));
  assert.equal((ns as Record<string, unknown>).lr, 0.004);
  assert.equal(Object.getPrototypeOf(ns), Object.prototype, "__proto__ stays a plain field");
  assert.deepEqual(Object.keys(ns as object), ["lr", "__proto__"]);
  assert.deepEqual(size, [2, 3]);
});

Deno.test("unpickle() refuses any global outside the allow-list, naming file and global", () => {
  // the classic exploit: posix.system('echo pwned')
  const evil = pk(
    op.proto(2),
    op.global("posix", "system"),
    op.str("echo pwned"),
    op.tuple1,
    op.reduce,
    op.stop,
  );
  throwsData(
    () => unpickle(evil, { name: "evil.pth" }),
    /^evil\.pth: refusing to load global "posix\.system": it is not in the allow-list/,
  );
  const viaStack = pk(op.proto(4), op.str("builtins"), op.str("eval"), op.stackGlobal, op.stop);
  throwsData(() => unpickle(viaStack, { name: "x.pkl" }), /global "builtins\.eval"/);
  // allowed type markers may not be called
  const callType = pk(
    op.proto(2),
    op.global("torch", "FloatStorage"),
    op.emptyTuple,
    op.reduce,
    op.stop,
  );
  throwsData(() => unpickle(callType), /global "torch\.FloatStorage" may not be called/);
  assert.ok(!TORCH_GLOBALS.has("os.system") && !TORCH_GLOBALS.has("builtins.eval"));
});

Deno.test("unpickle() rejects malformed pickles", () => {
  throwsData(
    () => unpickle(pk(op.proto(2), op.int(1)), { name: "t.pkl" }),
    /^t\.pkl: truncated pickle/,
  );
  throwsData(
    () => unpickle(pk(op.proto(2), 0x49, op.stop)),
    /unsupported pickle opcode 0x49 \('I'\)/,
  );
  throwsData(() => unpickle(pk(op.proto(2), op.binget(3), op.stop)), /memo key 3 not found/);
  throwsData(() => unpickle(pk(op.proto(2), op.append, op.stop)), /stack underflow/);
  throwsData(() => unpickle(pk(op.proto(2), op.int(1), op.int(2), op.stop)), /STOP with 2 values/);
  throwsData(
    () => unpickle(pk(op.proto(2), op.emptyList, op.str("k"), op.int(1), op.setitem, op.stop)),
    /SETITEM\(S\) on a tuple\/list/,
  );
  throwsData(
    () => unpickle(pk(op.proto(2), op.none, op.binpersid, op.stop)),
    /unexpected persistent id/,
  );
});

Deno.test("unpickleAt() reads consecutive pickles and a dry pass finds the end", () => {
  const a = pk(op.proto(2), op.global("posix", "system"), op.emptyTuple, op.reduce, op.stop);
  const b = pk(op.proto(2), op.none, op.binpersid, op.stop);
  const bytes = pk(op.proto(2), op.int(7), op.stop, b);
  const first = unpickleAt(bytes, 0);
  assert.deepEqual(first, { value: 7, end: 5 });
  const seen: unknown[] = [];
  const second = unpickleAt(bytes, first.end, {
    dry: true,
    persistentLoad: (p) => (seen.push(p), 1),
  });
  assert.equal(second.end, bytes.length);
  assert.deepEqual(seen, [null]);
  throwsData(() => unpickleAt(a, 0, { dry: true }), /posix\.system/);
});
