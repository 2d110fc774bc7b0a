import assert from "node:assert/strict";
import { DataError } from "../../lib/util/errors.ts";
import { openDataset } from "../../lib/data/mod.ts";
import { fixturePixel, tempDir, writeCifar100Fixture, writeCifar10Fixture } from "./_fixtures.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openDataset(cifar 10) reads 5 train batches + test batch as HWC, in the folder or its parent", async () => {
  await withDir(async (dir) => {
    await writeCifar10Fixture(dir, 3, 4);
    const ds = await openDataset({
      kind: "cifar",
      path: dir,
      normalize: { mean: [0, 0, 0], std: [1, 1, 1] },
    });
    assert.deepEqual([ds.height, ds.width, ds.inChannels, ds.numClasses], [32, 32, 3, 10]);
    assert.equal(ds.size("train"), 15);
    assert.equal(ds.size("test"), 4);
    assert.equal(ds.classNames[0], "airplane");
    for (const i of [0, 7, 14]) {
      const r = ds.raw("train", i);
      assert.equal(r.label, i % 10);
      for (const p of [0, 1, 2, 3 * 33 + 1, 3071]) assert.equal(r.pixels[p], fixturePixel(i, p));
    }
    const s = ds.load("test", 2);
    assert.equal(s.label, 2);
    assert.ok(Math.abs(s.image[5]! - fixturePixel(1002, 5) / 255) < 1e-6);
    await assert.rejects(
      openDataset({ kind: "cifar", path: dir, trainSize: 16 }),
      /data\.trainSize = 16 but .* has only 15 train images/,
    );
  });
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/cifar-10-batches-bin`);
    await writeCifar10Fixture(`${dir}/cifar-10-batches-bin`, 2, 2);
    await Deno.writeTextFile(
      `${dir}/cifar-10-batches-bin/batches.meta.txt`,
      "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n",
    );
    const ds = await openDataset({ kind: "cifar", path: dir, trainSize: 6, testSize: 1 });
    assert.equal(ds.size("train"), 6);
    assert.equal(ds.size("test"), 1);
    assert.deepEqual(ds.classNames.slice(0, 3), ["a", "b", "c"]);
  });
});

Deno.test("openDataset(cifar 100) uses the fine label byte", async () => {
  await withDir(async (dir) => {
    await writeCifar100Fixture(dir, 9, 3);
    const ds = await openDataset({ kind: "cifar", path: dir, variant: 100 });
    assert.equal(ds.numClasses, 100);
    assert.equal(ds.size("train"), 9);
    for (let i = 0; i < 9; i++) {
      const r = ds.raw("train", i);
      assert.equal(r.label, (i * 7) % 100);
      assert.equal(r.pixels[3071], fixturePixel(i, 3071));
    }
    assert.equal(ds.raw("test", 2).label, (1002 * 7) % 100);
  });
});

Deno.test("openDataset(cifar) errors name the folder, the files it needs and bad records", async () => {
  await withDir(async (dir) => {
    await assert.rejects(openDataset({ kind: "cifar", path: dir }), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(
        e.message,
        /not a CIFAR-10 binary folder; it must contain data_batch_1\.bin, .*data_batch_5\.bin, test_batch\.bin \(directly or in cifar-10-batches-bin\/\)/,
      );
      return true;
    });
    await assert.rejects(
      openDataset({ kind: "cifar", path: dir, variant: 100 }),
      /must contain train\.bin, test\.bin \(directly or in cifar-100-binary\/\)/,
    );
    await writeCifar10Fixture(dir, 2, 2);
    await Deno.writeFile(`${dir}/data_batch_3.bin`, new Uint8Array(3000));
    await assert.rejects(
      openDataset({ kind: "cifar", path: dir }),
      /data_batch_3\.bin: 3000 bytes is not a whole number of CIFAR-10 records of 3073 bytes/,
    );
    // A record whose label is not a CIFAR-10 class (e.g. a CIFAR-100 file under the wrong name).
    await writeCifar10Fixture(dir, 2, 2);
    await Deno.writeFile(`${dir}/test_batch.bin`, new Uint8Array(3073).fill(42));
    await assert.rejects(
      openDataset({ kind: "cifar", path: dir }),
      /test_batch\.bin: record 0 has label 42/,
    );
  });
});
