import assert from "node:assert/strict";
import { gzipSync } from "fflate";
import { DataError } from "../../lib/util/errors.ts";
import { Rng } from "../../lib/util/rng.ts";
import { drawLayout, FASHION_MNIST_PATH, openDataset, parseIdx } from "../../lib/data/mod.ts";
import { fixturePixel, idxBytes, tempDir, writeFashionFixture } from "./_fixtures.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openDataset(fashion_mnist) reads gzip and plain IDX files", async () => {
  for (const gzip of [true, false]) {
    await withDir(async (dir) => {
      await writeFashionFixture(dir, 12, 5, gzip);
      const ds = await openDataset({
        kind: "fashion_mnist",
        path: dir,
        normalize: { mean: [0], std: [1] },
      });
      assert.equal(ds.size("train"), 12);
      assert.equal(ds.size("test"), 5);
      assert.deepEqual([ds.height, ds.width, ds.inChannels, ds.numClasses], [28, 28, 1, 10]);
      const r = ds.raw("train", 7);
      assert.equal(r.label, 7);
      for (const p of [0, 100, 783]) assert.equal(r.pixels[p], fixturePixel(7, p));
      const s = ds.load("test", 3);
      assert.equal(s.label, 3);
      assert.ok(Math.abs(s.image[50]! - fixturePixel(1003, 50) / 255) < 1e-6);
      const limited = await openDataset({
        kind: "fashion_mnist",
        path: dir,
        trainSize: 4,
        testSize: 2,
      });
      assert.equal(limited.size("train"), 4);
      assert.equal(limited.size("test"), 2);
    });
  }
});

Deno.test("openDataset(fashion_mnist) with a canvas pastes the item intact at the drawn place", async () => {
  await withDir(async (dir) => {
    await writeFashionFixture(dir, 10, 4);
    const canvas = { size: 60, distractors: 0, distractorSize: 8 };
    const plain = await openDataset({ kind: "fashion_mnist", path: dir, seed: 3, canvas });
    assert.deepEqual([plain.height, plain.width], [60, 60]);
    for (let i = 0; i < 10; i++) {
      const px = plain.raw("train", i).pixels;
      const layout = drawLayout(
        canvas,
        { h: 28, w: 28 },
        i,
        10,
        Rng.stream(3, `cluttered/train/${i}`),
      );
      const { y, x } = layout.item;
      let inside = 0;
      for (let r = 0; r < 60; r++) {
        for (let c = 0; c < 60; c++) {
          const v = px[r * 60 + c]!;
          const inItem = r >= y && r < y + 28 && c >= x && c < x + 28;
          if (inItem) {
            assert.equal(v, fixturePixel(i, (r - y) * 28 + (c - x)));
            inside++;
          } else assert.equal(v, 0, "canvas outside the item must be empty without distractors");
        }
      }
      assert.equal(inside, 784);
    }
    // Placements vary with the index and the seed.
    const corners = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const l = drawLayout(canvas, { h: 28, w: 28 }, i, 10, Rng.stream(3, `cluttered/train/${i}`));
      corners.add(`${l.item.y},${l.item.x}`);
    }
    assert.ok(corners.size >= 8);

    const clutter = { size: 60, distractors: 6, distractorSize: 8 };
    const ds = await openDataset({ kind: "fashion_mnist", path: dir, seed: 3, canvas: clutter });
    const again = await openDataset({ kind: "fashion_mnist", path: dir, seed: 3, canvas: clutter });
    const other = await openDataset({ kind: "fashion_mnist", path: dir, seed: 4, canvas: clutter });
    for (let i = 0; i < 4; i++) {
      const px = ds.raw("test", i).pixels;
      assert.deepEqual(px, again.raw("test", i).pixels);
      assert.notDeepEqual(px, other.raw("test", i).pixels);
      const layout = drawLayout(
        clutter,
        { h: 28, w: 28 },
        i,
        4,
        Rng.stream(3, `cluttered/test/${i}`),
      );
      assert.equal(layout.distractors.length, 6);
      let extra = 0;
      for (const t of layout.distractors) {
        assert.notEqual(t.source, i, "a distractor never comes from the item itself");
        // Each distractor crop is present (max-blended) at its place.
        for (let r = 0; r < 8; r++) {
          for (let c = 0; c < 8; c++) {
            const v = px[(t.y + r) * 60 + t.x + c]!;
            assert.ok(v >= fixturePixel(1000 + t.source, (t.cy + r) * 28 + t.cx + c));
          }
        }
      }
      const { y, x } = layout.item;
      for (let r = 0; r < 60; r++) {
        for (let c = 0; c < 60; c++) {
          const inItem = r >= y && r < y + 28 && c >= x && c < x + 28;
          if (inItem) assert.ok(px[r * 60 + c]! >= fixturePixel(1000 + i, (r - y) * 28 + (c - x)));
          else if (px[r * 60 + c]! > 0) extra++;
        }
      }
      assert.ok(extra > 0, "distractors add ink outside the item");
    }
  });
});

Deno.test("openDataset(fashion_mnist) names the missing folder, file and bad magic", async () => {
  await assert.rejects(
    openDataset({ kind: "fashion_mnist", path: "/nonexistent/fm" }),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(
        e.message,
        /\/nonexistent\/fm does not exist: expected a folder with train-images-idx3-ubyte\.gz/,
      );
      return true;
    },
  );
  await withDir(async (dir) => {
    await writeFashionFixture(dir, 3, 2);
    await Deno.remove(`${dir}/t10k-labels-idx1-ubyte.gz`);
    await assert.rejects(
      openDataset({ kind: "fashion_mnist", path: dir }),
      /missing IDX file: .*t10k-labels-idx1-ubyte\.gz \(or .*t10k-labels-idx1-ubyte uncompressed\)/,
    );
    const bad = idxBytes([3, 28, 28], new Uint8Array(3 * 784));
    bad[3] = 1;
    await Deno.writeFile(`${dir}/train-images-idx3-ubyte.gz`, gzipSync(bad));
    await assert.rejects(
      openDataset({ kind: "fashion_mnist", path: dir }),
      /train-images-idx3-ubyte\.gz: not an IDX file .* magic 0x00000801, expected 0x00000803/,
    );
    await writeFashionFixture(dir, 3, 2);
    await assert.rejects(
      openDataset({ kind: "fashion_mnist", path: dir, trainSize: 5 }),
      /data\.trainSize = 5 but .* has only 3 train images/,
    );
  });
  assert.throws(
    () => parseIdx(idxBytes([2, 28, 28], new Uint8Array(100)), "x.idx", 3),
    /x\.idx: IDX shape \[2, 28, 28\] needs 1584 bytes, the file has 116/,
  );
});

const realExists = await Deno.stat(`${FASHION_MNIST_PATH}/train-images-idx3-ubyte.gz`).then(
  () => true,
  () => false,
);
if (!realExists) {
  console.error(
    `\n!!! SKIPPING the real Fashion-MNIST test: ${FASHION_MNIST_PATH} is missing ` +
      "(apt-get install dataset-fashion-mnist) !!!\n",
  );
}

Deno.test({
  name: "openDataset(fashion_mnist) reads Debian's real files (60000 + 10000, balanced classes)",
  ignore: !realExists,
  fn: async () => {
    const ds = await openDataset({ kind: "fashion_mnist" });
    assert.equal(ds.size("train"), 60000);
    assert.equal(ds.size("test"), 10000);
    const counts = new Array(10).fill(0);
    let sum = 0;
    for (let i = 0; i < 60000; i++) {
      const r = ds.raw("train", i);
      counts[r.label]++;
      if (i < 2000) sum += r.pixels.reduce((a, v) => a + v, 0);
    }
    assert.deepEqual(counts, new Array(10).fill(6000));
    const mean = sum / (2000 * 784 * 255);
    assert.ok(Math.abs(mean - 0.286) < 0.02, `mean pixel ${mean}`);
    const s = ds.load("test", 0);
    assert.equal(s.label, 9); // the first test item is an ankle boot
    assert.equal(ds.classNames[s.label], "Ankle boot");
  },
});
