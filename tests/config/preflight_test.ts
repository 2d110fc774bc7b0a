import assert from "node:assert/strict";
import {
  checkDataSource,
  type DataConfig,
  DataConfigSchema,
  openDataset,
} from "../../lib/data/mod.ts";
import { DataError } from "../../lib/util/errors.ts";
import {
  writeCifar100Fixture,
  writeCifar10Fixture,
  writeFashionFixture,
  writeImageFolderFixture,
} from "../data/_fixtures.ts";

/** Every path under `dir`, sorted (to show that a check created nothing). */
function tree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = `${prefix}${e.name}`;
    out.push(p);
    if (e.isDirectory) out.push(...tree(`${dir}/${e.name}`, `${p}/`));
  }
  return out.sort();
}

function touch(path: string): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeFileSync(path, new Uint8Array(1));
}

const data = (v: Record<string, unknown>): DataConfig => DataConfigSchema.parse(v);

/** Runs the check on a fresh tree and asserts the outcome and that nothing was created. */
async function expect(
  build: (root: string) => void,
  config: (root: string) => DataConfig,
  want: RegExp | null,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "slak-preflight-" });
  try {
    build(root);
    const before = tree(root);
    const p = checkDataSource(config(root));
    if (want === null) await p;
    else {
      await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof DataError, `DataError, got ${e}`);
        assert.match(e.message.replaceAll(root, "ROOT"), want);
        assert.equal(e.message.split("\n").length, 1);
        return true;
      });
    }
    assert.deepEqual(tree(root), before, "the check created nothing");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const FM = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

Deno.test("checkDataSource(): Fashion-MNIST folder and its four IDX files", async () => {
  const fm = (root: string) => data({ kind: "fashion_mnist", path: `${root}/fm` });
  await expect(
    () => {},
    fm,
    /^data\.path ROOT\/fm does not exist: expected a folder with train-images-idx3-ubyte\.gz/,
  );
  await expect((r) => touch(`${r}/fm`), fm, /^data\.path ROOT\/fm is a file, not a folder/);
  // gzip or plain files both count; one missing is named
  await expect(
    (r) => {
      touch(`${r}/fm/${FM[0]}.gz`);
      touch(`${r}/fm/${FM[1]}`);
      touch(`${r}/fm/${FM[3]}.gz`);
    },
    fm,
    /^data\.path ROOT\/fm: missing t10k-images-idx3-ubyte\.gz \(or the uncompressed files\)/,
  );
  await expect((r) => FM.forEach((f, i) => touch(`${r}/fm/${f}${i % 2 ? "" : ".gz"}`)), fm, null);
});

Deno.test("checkDataSource(): CIFAR binary batches, directly or in the archive folder", async () => {
  const c10 = (root: string) => data({ kind: "cifar", path: `${root}/c` });
  const batches = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin"];
  await expect(
    () => {},
    c10,
    /^data\.path ROOT\/c does not exist: expected a CIFAR-10 binary folder/,
  );
  await expect(
    (r) => [...batches, "test_batch.bin"].forEach((f) => touch(`${r}/c/${f}`)),
    c10,
    /^data\.path ROOT\/c: missing data_batch_5\.bin; expected a CIFAR-10 binary folder/,
  );
  await expect(
    (r) =>
      [...batches, "data_batch_5.bin", "test_batch.bin"].forEach((f) =>
        touch(`${r}/c/cifar-10-batches-bin/${f}`)
      ),
    c10,
    null,
  );
  const c100 = (root: string) => data({ kind: "cifar", variant: 100, path: `${root}/c` });
  await expect(
    (r) => touch(`${r}/c/cifar-100-binary/train.bin`),
    c100,
    /^data\.path ROOT\/c: missing test\.bin \(looked in ROOT\/c\/cifar-100-binary\)/,
  );
});

Deno.test("checkDataSource(): ImageFolder train/ and val/ (or test/) class folders", async () => {
  const f = (root: string) => data({ kind: "imagefolder", path: `${root}/in`, size: 32 });
  await expect(() => {}, f, /^data\.path ROOT\/in does not exist: expected an ImageFolder tree/);
  await expect(
    (r) => Deno.mkdirSync(`${r}/in`),
    f,
    /^data\.path ROOT\/in: missing ROOT\/in\/train\/; expected an ImageFolder tree/,
  );
  await expect(
    (r) => Deno.mkdirSync(`${r}/in/train`, { recursive: true }),
    f,
    /^data\.path ROOT\/in: ROOT\/in\/train\/ has no class folders/,
  );
  await expect(
    (r) => touch(`${r}/in/train/cat/1.png`),
    f,
    /^data\.path ROOT\/in: missing ROOT\/in\/val\/ \(the evaluation split\)/,
  );
  await expect(
    (r) => {
      touch(`${r}/in/train/cat/1.png`);
      touch(`${r}/in/val/dog/1.png`);
    },
    f,
    /^data\.path ROOT\/in: class folder\(s\) dog of ROOT\/in\/val\/ are not in ROOT\/in\/train\//,
  );
  await expect(
    (r) => {
      touch(`${r}/in/train/cat/1.png`);
      touch(`${r}/in/test/cat/1.png`);
    },
    f,
    null,
  );
});

Deno.test("checkDataSource(): Pathfinder needs nothing, but a cacheDir must not be a file", async () => {
  const pf = (cacheDir: string | null) => () => data({ kind: "pathfinder", cacheDir });
  await expect(() => {}, pf(null), null);
  const root = await Deno.makeTempDir({ prefix: "slak-preflight-" });
  try {
    // a missing cache folder is fine (the loader creates it later) and is not created here
    await checkDataSource(data({ kind: "pathfinder", cacheDir: `${root}/cache` }));
    assert.deepEqual(tree(root), []);
    touch(`${root}/cache`);
    await assert.rejects(
      checkDataSource(data({ kind: "pathfinder", cacheDir: `${root}/cache` })),
      (e: unknown) =>
        e instanceof DataError && /^data\.cacheDir .*\/cache is a file/.test(e.message),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("checkDataSource() accepts what the loaders open", async () => {
  const root = await Deno.makeTempDir({ prefix: "slak-preflight-" });
  try {
    const dirs = ["fm", "c10", "c100/cifar-100-binary", "in"];
    for (const d of dirs) await Deno.mkdir(`${root}/${d}`, { recursive: true });
    await writeFashionFixture(`${root}/fm`, 4, 2, false);
    await writeCifar10Fixture(`${root}/c10`, 2, 2);
    await writeCifar100Fixture(`${root}/c100/cifar-100-binary`, 4, 2);
    await writeImageFolderFixture(`${root}/in`);
    const configs = [
      { kind: "fashion_mnist", path: `${root}/fm` },
      { kind: "cifar", path: `${root}/c10` },
      { kind: "cifar", variant: 100, path: `${root}/c100` },
      { kind: "imagefolder", path: `${root}/in`, size: 32 },
    ];
    for (const c of configs) {
      await checkDataSource(data(c));
      const ds = await openDataset(data(c));
      assert.ok(ds.size("train") > 0, c.kind);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
