// Loading .pth state dicts into a model: keys and shapes are checked before any storage is read,
// a missing num_batches_tracked counts as 0 (as PyTorch's BatchNorm loader does), NaN/inf
// weights are reported on stderr, and keys from the file are escaped in messages.
import assert from "node:assert/strict";
import type { HostTensor } from "../../lib/io/mod.ts";
import { toFloat32 } from "../../lib/io/mod.ts";
import {
  buildModel,
  checkStateDict,
  disposeModel,
  exportStateDict,
  getVar,
  loadStateDict,
  type Model,
  readWeightsFile,
  resolveModelConfig,
} from "../../lib/models/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { DataError } from "../../lib/util/errors.ts";
import {
  hasControlChars,
  pthOf,
  type RawZipEntry,
  statePickle,
  type ViewSpec,
} from "./hostile_bytes.ts";

await initBackend("cpu");

const config = resolveModelConfig("slak_nano", {
  sets: ["depths=[1,1,1,1]", "dims=[4,4,4,4]", "numClasses=3"],
});

function contiguous(shape: number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) (stride[d] = s), (s *= shape[d]!);
  return stride;
}

/** A torch.save zip of float32 tensors (one stored storage each), or deflate junk storages. */
function pthFrom(state: Map<string, HostTensor>, junk = false): Uint8Array {
  const views: ViewSpec[] = [];
  const storages: RawZipEntry[] = [];
  let k = 0;
  for (const [key, t] of state) {
    const data = toFloat32(t);
    const name = String(k++);
    views.push({
      key,
      storage: name,
      numel: data.length,
      size: t.shape,
      stride: contiguous(t.shape),
    });
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    storages.push(
      junk
        // 0xff: a block of the reserved type 3, so any attempt to inflate fails
        ? {
          name,
          data: new Uint8Array(Math.ceil(bytes.length / 512) + 1).fill(0xff),
          method: 8,
          size: bytes.length,
        }
        : { name, data: bytes.slice(), method: 0 },
    );
  }
  return pthOf(statePickle(views), storages);
}

async function withFile<T>(bytes: Uint8Array, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "slak-sd-" });
  try {
    const path = `${dir}/w.pth`;
    await Deno.writeFile(path, bytes);
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function values(model: Model, name: string): Promise<number[]> {
  return Array.from(await getVar(model, name).data() as Float32Array);
}

function isCount(key: string): boolean {
  return key.endsWith(".num_batches_tracked");
}

Deno.test("a state dict without num_batches_tracked loads, the counts set to 0", async () => {
  const src = buildModel(config, { seed: 1 });
  const dst = buildModel(config, { seed: 2 });
  try {
    const full = await exportStateDict(src);
    const counts = [...full.keys()].filter(isCount);
    assert.ok(counts.length > 0, "the model has BatchNorm counters");
    const state = new Map([...full].filter(([k]) => !isCount(k)));
    for (const c of counts) getVar(dst, c).assign(getVar(dst, c).add(5));
    await withFile(pthFrom(state), async (path) => {
      const w = await readWeightsFile(path);
      assert.equal(w.state.size, full.size - counts.length);
      checkStateDict(config, w.state, path);
      loadStateDict(dst, w.state, path);
    });
    for (const c of counts) assert.deepEqual(await values(dst, c), [0], c);
    for (const [k] of state) assert.deepEqual(await values(dst, k), await values(src, k), k);
    // any other missing key is still an error
    const short = new Map([...state].slice(1));
    assert.throws(
      () => checkStateDict(config, short, "s.pth"),
      /missing keys "downsample_layers\.0\.0\.weight"/,
    );
  } finally {
    disposeModel(src);
    disposeModel(dst);
  }
});

Deno.test("keys and shapes are checked before any storage is inflated", async () => {
  const model = buildModel(config, { seed: 1 });
  try {
    const state = await exportStateDict(model);
    const wrong = new Map(state);
    const head = wrong.get("head.weight")!;
    wrong.set("head.weight", { ...head, shape: [head.shape[1]!, head.shape[0]!] });
    await withFile(pthFrom(wrong, true), async (path) => {
      const w = await readWeightsFile(path);
      assert.throws(() => checkStateDict(config, w.state, path), (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /key "head\.weight" has shape \[5,3\], expected \[3,5\]/);
        return true;
      });
      assert.throws(() => loadStateDict(model, w.state, path), /has shape \[5,3\]/);
    });
    // with the right shapes, the junk storages are found when the data is read
    await withFile(pthFrom(state, true), async (path) => {
      const w = await readWeightsFile(path);
      checkStateDict(config, w.state, path);
      assert.throws(() => loadStateDict(model, w.state, path), (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /w\.pth: entry "arch\/data\/\d+": corrupt deflate data/);
        return true;
      });
    });
  } finally {
    disposeModel(model);
  }
});

Deno.test("keys from the file are escaped in state dict messages", async () => {
  const model = buildModel(config, { seed: 1 });
  try {
    const state = await exportStateDict(model);
    state.set("\x1b[2J\x1b[31mevil", { dtype: "float32", shape: [1], data: new Float32Array(1) });
    assert.throws(() => checkStateDict(config, state, "e.pth"), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.ok(!hasControlChars(e.message), JSON.stringify(e.message));
      assert.match(e.message, /unexpected keys "\\x1b\[2J\\x1b\[31mevil"/);
      return true;
    });
    const long = new Map(state);
    long.delete("\x1b[2J\x1b[31mevil");
    const head = long.get("head.weight")!;
    long.set("head.weight", { ...head, shape: new Array(100_000).fill(1) });
    assert.throws(() => checkStateDict(config, long, "l.pth"), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.ok(e.message.length < 600, `message of ${e.message.length} characters`);
      assert.match(e.message, /has shape \[1,1,1,1,1,1,1,1,\.\.\.\(\+99992 more\)\]/);
      return true;
    });
  } finally {
    disposeModel(model);
  }
});

Deno.test("loading NaN or infinite weights warns on stderr, naming the tensors", async () => {
  const src = buildModel(config, { seed: 1 });
  const dst = buildModel(config, { seed: 2 });
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args.map(String).join(" "));
  try {
    const state = await exportStateDict(src);
    loadStateDict(dst, state, "ok.pth");
    assert.deepEqual(warned, [], "finite weights: no warning");
    const bad = new Map(state);
    const w = bad.get("head.weight")!;
    const d = Float32Array.from(toFloat32(w));
    d[0] = NaN;
    d[2] = -Infinity;
    bad.set("head.weight", { ...w, data: d });
    const b = bad.get("downsample_layers.0.0.bias")!;
    bad.set("downsample_layers.0.0.bias", {
      ...b,
      data: Float32Array.from(toFloat32(b), () => Infinity),
    });
    loadStateDict(dst, bad, "bad.pth");
    assert.equal(warned.length, 1);
    assert.match(warned[0]!, /weights bad\.pth: NaN or infinite values in 2 tensors/);
    assert.match(warned[0]!, /"downsample_layers\.0\.0\.bias" \(5 of 5\)/);
    assert.match(warned[0]!, /"head\.weight" \(2 of 15\)/);
  } finally {
    console.warn = warn;
    disposeModel(src);
    disposeModel(dst);
  }
});
