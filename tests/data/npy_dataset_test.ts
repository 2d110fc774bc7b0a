import assert from "node:assert/strict";
import { encodeNpy } from "../../lib/io/npy.ts";
import type { HostTensor } from "../../lib/io/host_tensor.ts";
import { Loader, openDataset, resolveDataConfig } from "../../lib/data/mod.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { ConfigError, DataError } from "../../lib/util/errors.ts";

const N = 6;
const H = 4;
const W = 5;
const C = 3;

/** uint8 NHWC pixels with a value pattern that tells sample, row, column and channel apart. */
function nhwcBytes(): Uint8Array {
  const out = new Uint8Array(N * H * W * C);
  let i = 0;
  for (let n = 0; n < N; n++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < C; c++) out[i++] = (n * 37 + y * 11 + x * 3 + c) % 256;
      }
    }
  }
  return out;
}

function nchwOf(src: Uint8Array | Float32Array): Float32Array {
  const out = new Float32Array(src.length);
  let i = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) out[i++] = src[((n * H + y) * W + x) * C + c]!;
      }
    }
  }
  return out;
}

async function withDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "slak-npy-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function write(path: string, t: HostTensor): string {
  Deno.writeFileSync(path, encodeNpy(t));
  return path;
}

const LABELS = BigInt64Array.from([0, 1, 2, 0, 1, 2].map(BigInt));

Deno.test("npy data set: uint8 NHWC images are normalized like other kinds, holdout split", async () => {
  await withDir(async (dir) => {
    const x = write(`${dir}/x.npy`, { dtype: "uint8", shape: [N, H, W, C], data: nhwcBytes() });
    const y = write(`${dir}/y.npy`, { dtype: "int64", shape: [N], data: LABELS });
    const ds = await openDataset({
      kind: "npy",
      images: x,
      labels: y,
      holdout: 2,
      normalize: { mean: [0.5, 0.25, 0], std: [0.5, 0.5, 0.25] },
    });
    assert.equal(ds.size("train"), 4);
    assert.equal(ds.size("test"), 2);
    assert.deepEqual([ds.height, ds.width, ds.inChannels, ds.numClasses], [H, W, C, 3]);
    const px = nhwcBytes();
    const per = H * W * C;
    const s = ds.load("test", 1); // sample 5 of the file
    assert.equal(s.label, 2);
    const mean = [0.5, 0.25, 0];
    const std = [0.5, 0.5, 0.25];
    for (let i = 0; i < per; i++) {
      const want = (px[5 * per + i]! / 255 - mean[i % C]!) / std[i % C]!;
      assert.ok(Math.abs(s.image[i]! - want) < 1e-6, `pixel ${i}: ${s.image[i]} vs ${want}`);
    }
  });
});

Deno.test("npy data set: float32 NCHW images are used as they are, in NHWC order", async () => {
  await withDir(async (dir) => {
    const nhwc = Float32Array.from(nhwcBytes(), (v) => v / 7 - 3);
    const x = write(`${dir}/x.npy`, { dtype: "float32", shape: [N, C, H, W], data: nchwOf(nhwc) });
    const y = write(`${dir}/y.npy`, {
      dtype: "int32",
      shape: [N],
      data: Int32Array.from(LABELS, Number),
    });
    const t = write(`${dir}/t.npy`, {
      dtype: "float32",
      shape: [2, C, H, W],
      data: nchwOf(nhwc).subarray(0, 2 * C * H * W),
    });
    const ty = write(`${dir}/ty.npy`, { dtype: "uint8", shape: [2], data: Uint8Array.of(1, 0) });
    const ds = await openDataset({
      kind: "npy",
      images: x,
      labels: y,
      testImages: t,
      testLabels: ty,
      layout: "nchw",
    });
    assert.equal(ds.size("train"), N);
    assert.equal(ds.size("test"), 2);
    const per = H * W * C;
    assert.deepEqual(ds.load("train", 3).image, nhwc.subarray(3 * per, 4 * per));
    assert.deepEqual(ds.load("test", 1), { image: nhwc.subarray(per, 2 * per), label: 0 });
  });
});

Deno.test("npy data set: shuffle false keeps the file order; true shuffles", async () => {
  await withDir(async (dir) => {
    const x = write(`${dir}/x.npy`, { dtype: "uint8", shape: [N, H, W, C], data: nhwcBytes() });
    const y = write(`${dir}/y.npy`, { dtype: "int64", shape: [N], data: LABELS });
    const order = async (shuffle: boolean) => {
      const c = resolveDataConfig({ kind: "npy", images: x, labels: y, holdout: 1, shuffle });
      const ds = await openDataset(c);
      const loader = new Loader(ds, {
        split: "train",
        batchSize: 5,
        seed: 3,
        shuffle: c.kind === "npy" ? c.shuffle : true,
      });
      const b = await loader.next();
      loader.close();
      return [...b.indices];
    };
    assert.deepEqual(await order(false), [0, 1, 2, 3, 4]);
    assert.notDeepEqual(await order(true), [0, 1, 2, 3, 4]);
  });
});

Deno.test("npy data set: clear errors for missing files, shapes, dtypes and fields", async () => {
  await withDir(async (dir) => {
    const x = write(`${dir}/x.npy`, { dtype: "uint8", shape: [N, H, W, C], data: nhwcBytes() });
    const y = write(`${dir}/y.npy`, { dtype: "int64", shape: [N], data: LABELS });
    const open = (extra: Record<string, unknown>) =>
      openDataset({ kind: "npy", images: x, labels: y, holdout: 1, ...extra });
    const rejects = async (
      extra: Record<string, unknown>,
      cls: typeof DataError | typeof ConfigError,
      re: RegExp,
    ) => {
      const e = await open(extra).then(() => null, (e: Error) => e);
      assert.ok(e instanceof cls, `${JSON.stringify(extra)}: ${e}`);
      assert.match(e.message, re);
    };
    await rejects(
      { images: `${dir}/none.npy` },
      DataError,
      /^data\.images: file .*none\.npy not found/,
    );
    const f64 = write(`${dir}/f64.npy`, {
      dtype: "float64",
      shape: [N, H, W, C],
      data: new Float64Array(N * H * W * C),
    });
    await rejects(
      { images: f64 },
      DataError,
      /data\.images .*f64\.npy: images have dtype float64; expected uint8/,
    );
    const flat = write(`${dir}/flat.npy`, {
      dtype: "uint8",
      shape: [N, H * W * C],
      data: nhwcBytes(),
    });
    await rejects(
      { images: flat },
      DataError,
      /images have shape \[6,60\]; expected \[N, H, W, C\]/,
    );
    const y5 = write(`${dir}/y5.npy`, { dtype: "int64", shape: [5], data: LABELS.subarray(0, 5) });
    await rejects(
      { labels: y5 },
      DataError,
      /data\.labels .*y5\.npy: labels have shape \[5\]; expected \[6\]/,
    );
    const yf = write(`${dir}/yf.npy`, { dtype: "float32", shape: [N], data: new Float32Array(N) });
    await rejects(
      { labels: yf },
      DataError,
      /labels have dtype float32; expected an integer dtype/,
    );
    await rejects({ numClasses: 2 }, DataError, /label 2 found but data\.numClasses is 2/);
    await rejects(
      { holdout: 0 },
      ConfigError,
      /needs a test split: data\.testImages \+ data\.testLabels, or data\.holdout/,
    );
    await rejects({ holdout: 6 }, ConfigError, /data\.holdout: 6 leaves no training samples/);
    await rejects(
      { testImages: x },
      ConfigError,
      /give both data\.testImages and data\.testLabels/,
    );
    const xf = write(`${dir}/xf.npy`, {
      dtype: "float32",
      shape: [N, H, W, C],
      data: new Float32Array(N * H * W * C),
    });
    await rejects(
      { images: xf, normalize: { mean: [0, 0, 0], std: [1, 1, 1] } },
      ConfigError,
      /data\.normalize: the images of .*xf\.npy are float32/,
    );
    await rejects(
      { images: xf, augment: { flip: true } },
      ConfigError,
      /data\.augment: crop\/flip apply to uint8/,
    );
  });
});

Deno.test("npy data set in a training config: classes and channels from the arrays", async () => {
  await withDir((dir) => {
    const side = (n: number) => {
      const x = write(`${dir}/x${n}.npy`, {
        dtype: "uint8",
        shape: [4, n, n],
        data: new Uint8Array(4 * n * n),
      });
      const y = write(`${dir}/y.npy`, {
        dtype: "uint8",
        shape: [4],
        data: Uint8Array.of(0, 3, 1, 0),
      });
      return { kind: "npy", images: x, labels: y, holdout: 1 };
    };
    const c = resolveTrainConfig({ model: { name: "slak_nano" }, data: side(32) }, "cfg.yaml");
    assert.equal(c.modelConfig.numClasses, 4);
    assert.equal(c.modelConfig.inChannels, 1);
    assert.throws(
      () => resolveTrainConfig({ model: { name: "slak_nano" }, data: side(16) }, "cfg.yaml"),
      (e: Error) =>
        e instanceof ConfigError &&
        /^cfg\.yaml: data\.images: .*x16\.npy \(16x16\) gives 16x16 npy images, smaller than the 32x32/
          .test(e.message),
    );
  });
});
