import assert from "node:assert/strict";
import { zipSync } from "fflate";
import { extractStateDict, type HostTensor, isHostTensor, readPth } from "../../lib/io/mod.ts";
import { DataError } from "../../lib/util/errors.ts";
import { op, pk } from "./pickle_bytes.ts";

const FIX = new URL("../fixtures/io/", import.meta.url);
const EXPECTED = JSON.parse(Deno.readTextFileSync(new URL("expected.json", FIX)));
const load = (f: string) => readPth(Deno.readFileSync(new URL(f, FIX)), f);

interface Want {
  dtype: string;
  shape: number[];
  data: number[];
}

function assertTensor(t: unknown, want: Want, what: string) {
  assert.ok(isHostTensor(t), `${what} is a tensor`);
  assert.equal(t.dtype, want.dtype, what);
  assert.deepEqual(t.shape, want.shape, what);
  assert.equal(t.data.length, want.data.length, what);
  const got = Array.from(t.data as ArrayLike<number | bigint>, Number);
  assert.deepEqual(got, t.dtype === "float32" ? want.data.map(Math.fround) : want.data, what);
}

const throwsData = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, re);
    return true;
  });

Deno.test("readPth() matches PyTorch on a state dict of views, dtypes and int64 buffers", () => {
  const sd = load("state_dict.pth");
  assert.ok(sd instanceof Map);
  const want = EXPECTED.state_dict as Record<string, Want>;
  assert.deepEqual([...sd.keys()].sort(), Object.keys(want).sort());
  assert.deepEqual([...sd.keys()].slice(0, 4), [
    "module.base",
    "module.transposed",
    "module.window",
    "module.stepped",
  ]);
  for (const [k, w] of Object.entries(want)) assertTensor(sd.get(k), w, k);
  // views of one storage are independent dense copies
  const base = sd.get("module.base") as HostTensor;
  const tr = sd.get("module.transposed") as HostTensor;
  assert.notEqual(base.data.buffer, tr.data.buffer);
});

Deno.test("extractStateDict() strips module. from a bare state dict and keeps int64 buffers", () => {
  const sd = extractStateDict(load("state_dict.pth"), { name: "state_dict.pth" });
  assert.ok(sd.has("bn.num_batches_tracked") && sd.has("base") && !sd.has("module.base"));
  assert.deepEqual(sd.get("bn.num_batches_tracked"), {
    dtype: "int64",
    shape: [],
    data: new BigInt64Array([7n]),
  });
  assert.equal(sd.get("big_int")!.data[0], (1n << 40n) + 3n);
});

Deno.test("readPth() reads a SLaK-style training checkpoint", () => {
  const ck = load("checkpoint.pth") as Map<string, unknown>;
  const want = EXPECTED.checkpoint;
  assert.deepEqual(
    [...ck.keys()],
    ["model", "model_ema", "optimizer", "epoch", "args", "scaler", "metric", "param", "nested"],
  );
  assert.equal(ck.get("epoch"), 3);
  assert.deepEqual(ck.get("args"), want.args);
  assert.deepEqual(
    ck.get("scaler"),
    new Map<string, number>([["scale", 65536], ["growth_factor", 2], ["_growth_tracker", 12]]),
  );
  assert.equal(ck.get("metric"), 81.5);
  assertTensor(ck.get("param"), { dtype: "float32", shape: [2], data: [1, 2] }, "param");
  assert.deepEqual(
    ck.get("nested"),
    new Map<unknown, unknown>([
      ["a", [1, [2, 3]]],
      ["b", new Map([["c", new Uint8Array([0, 255, 122])]])],
      [4, "int key"],
    ]),
  );
  const opt = ck.get("optimizer") as Map<string, unknown>;
  const state = opt.get("state") as Map<number, Map<string, unknown>>;
  assert.deepEqual([...state.keys()], want.optimizer_state_keys);
  assertTensor(state.get(0)!.get("exp_avg"), want.exp_avg_0, "exp_avg");
  assertTensor(state.get(0)!.get("step"), want.step_0, "step");
  const group = (opt.get("param_groups") as Map<string, unknown>[])[0]!;
  for (const [k, v] of Object.entries(want.param_groups_0)) assert.deepEqual(group.get(k), v, k);

  const model = extractStateDict(ck, { name: "checkpoint.pth" });
  const ema = extractStateDict(ck, { entry: "model_ema" });
  for (const [sd, w] of [[model, want.model], [ema, want.model_ema]] as const) {
    assert.deepEqual([...sd.keys()].sort(), Object.keys(w).sort());
    for (const [k, t] of Object.entries(w as Record<string, Want>)) assertTensor(sd.get(k), t, k);
  }
  assert.deepEqual(extractStateDict(ck, { entry: "model" }), model);
});

Deno.test("readPth() reads the legacy (pre-1.6) torch.save format", () => {
  const obj = load("legacy.pth") as Map<string, unknown>;
  for (const [k, w] of Object.entries(EXPECTED.legacy as Record<string, Want>)) {
    assertTensor(obj.get(k), w, k);
  }
});

Deno.test("extractStateDict() explains a missing entry by listing the top-level keys", () => {
  const ck = new Map<string, unknown>([["optimizer", new Map()], ["epoch", 1]]);
  throwsData(
    () => extractStateDict(ck, { name: "ck.pth" }),
    /^ck\.pth: no state dict found; top-level keys: "optimizer", "epoch"$/,
  );
  const ck2 = new Map<string, unknown>([["model", new Map()], ["epoch", 1]]);
  throwsData(
    () => extractStateDict(ck2, { entry: "model_ema", name: "ck.pth" }),
    /no entry "model_ema" found; top-level keys: "model", "epoch"/,
  );
  const t: HostTensor = { dtype: "float32", shape: [1], data: new Float32Array(1) };
  const bare = new Map([["w", t]]);
  throwsData(
    () => extractStateDict(bare, { entry: "model" }),
    /a bare state dict: use entry "auto"/,
  );
  throwsData(
    () => extractStateDict(new Map([["model", new Map<string, unknown>([["w", t], ["x", 3]])]])),
    /state dict "model" key "x" holds a number, expected a tensor/,
  );
  throwsData(
    () => extractStateDict(new Map([["module.w", t], ["w", t]])),
    /key "w" appears both with and without "module\."/,
  );
  throwsData(() => extractStateDict([t]), /checkpoint is a tuple\/list, expected a dict/);
  // plain records (e.g. from a Namespace-like object) work too
  assert.deepEqual(extractStateDict({ state_dict: { "module.w": t } }), new Map([["w", t]]));
});

/** A zip-format checkpoint around a hand-written data.pkl and raw storages. */
function handPth(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {
    "arch/data.pkl": [pkl, { level: 0 }],
    "arch/version": [new TextEncoder().encode("3\n"), { level: 0 }],
  };
  for (const [k, v] of Object.entries(storages)) files[`arch/data/${k}`] = [v, { level: 0 }];
  return zipSync(files);
}

/** `_rebuild_tensor_v2(storage('0', FloatStorage, numel), offset, size, stride, False, OrderedDict())` */
function tensorPkl(numel: number, offset: number, size: number[], stride: number[]): Uint8Array {
  const tuple = (xs: number[]) => [op.mark, ...xs.map(op.int), op.tuple].flat();
  return pk(
    op.proto(2),
    op.global("torch._utils", "_rebuild_tensor_v2"),
    op.mark, // argument tuple
    op.mark, // persistent id tuple
    op.str("storage"),
    op.global("torch", "FloatStorage"),
    op.str("0"),
    op.str("cpu"),
    op.int(numel),
    op.tuple,
    op.binpersid,
    op.int(offset),
    tuple(size),
    tuple(stride),
    op.false,
    op.global("collections", "OrderedDict"),
    op.emptyTuple,
    op.reduce,
    op.tuple,
    op.reduce,
    op.stop,
  );
}

Deno.test("readPth() materialises a permuted, offset storage view correctly", () => {
  const n = 40;
  const storage = new Float32Array(n).map((_, i) => i);
  const bytes = new Uint8Array(storage.buffer);
  // a [2,3,4] view at offset 3 with strides (1, 10, 2): element (i,j,k) = 3 + i + 10j + 2k
  const t = readPth(handPth(tensorPkl(n, 3, [2, 3, 4], [1, 10, 2]), { "0": bytes }), "v.pth");
  assert.ok(isHostTensor(t));
  const want: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want.push(3 + i + 10 * j + 2 * k);
  }
  assert.deepEqual(t.shape, [2, 3, 4]);
  assert.deepEqual(Array.from(t.data as Float32Array), want);
});

Deno.test("readPth() rejects views past the storage, missing storages and forbidden globals", () => {
  const bytes = new Uint8Array(new Float32Array(10).buffer);
  throwsData(
    () => readPth(handPth(tensorPkl(10, 2, [3, 4], [4, 1]), { "0": bytes }), "o.pth"),
    /^o\.pth: tensor view \(offset 2, size \[3,4\], stride \[4,1\]\) runs past storage "0" of 10 elements/,
  );
  throwsData(
    () => readPth(handPth(tensorPkl(10, 0, [10], [1])), "m.pth"),
    /^m\.pth: storage "arch\/data\/0" is missing from the archive/,
  );
  throwsData(
    () => readPth(handPth(tensorPkl(20, 0, [20], [1]), { "0": bytes }), "s.pth"),
    /storage "arch\/data\/0" has 40 bytes, 20 float32 need 80/,
  );
  const evil = pk(
    op.proto(2),
    op.global("posix", "system"),
    op.str("id"),
    op.tuple1,
    op.reduce,
    op.stop,
  );
  throwsData(
    () => readPth(handPth(evil), "evil.pth"),
    /^evil\.pth: refusing to load global "posix\.system": it is not in the allow-list/,
  );
  // a whole pickled nn.Module names its class: refused, not executed
  const module = pk(
    op.proto(2),
    op.global("models.SLaK", "SLaK"),
    op.emptyTuple,
    op.newobj,
    op.stop,
  );
  throwsData(() => readPth(handPth(module), "net.pth"), /global "models\.SLaK\.SLaK"/);
});

Deno.test("readPth() rejects files that are not checkpoints", () => {
  throwsData(
    () => readPth(new TextEncoder().encode("hello"), "x.pth"),
    /^x\.pth: not a PyTorch checkpoint/,
  );
  throwsData(
    () => readPth(zipSync({ "a/other.txt": new Uint8Array(1) }), "z.pth"),
    /z\.pth: zip archive has no "<archive>\/data\.pkl"/,
  );
  const tar = new Uint8Array(1024);
  tar.set(new TextEncoder().encode("ustar"), 257);
  throwsData(() => readPth(tar, "old.pth"), /tar-format torch\.save file .* re-save it/);
});
