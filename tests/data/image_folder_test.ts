import assert from "node:assert/strict";
import { DataError } from "../../lib/util/errors.ts";
import { openDataset, resizeCenterCrop } from "../../lib/data/mod.ts";
import { FOLDER_COLORS, tempDir, writeImageFolderFixture } from "./_fixtures.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openDataset(imagefolder) reads PNG and JPEG classes sorted by name, resized to size", async () => {
  await withDir(async (dir) => {
    await writeImageFolderFixture(dir);
    for (const cache of [false, true]) {
      const ds = await openDataset({ kind: "imagefolder", path: dir, size: 8, cache });
      assert.deepEqual(ds.classNames, ["cat", "dog"]);
      assert.deepEqual([ds.height, ds.width, ds.inChannels], [8, 8, 3]);
      assert.equal(ds.size("train"), 6, "notes.txt is ignored");
      assert.equal(ds.size("test"), 2);
      for (const split of ["train", "test"] as const) {
        for (let i = 0; i < ds.size(split); i++) {
          const r = ds.raw(split, i);
          assert.equal(r.pixels.length, 8 * 8 * 3);
          const want: [number, number, number] = FOLDER_COLORS[ds.classNames[r.label]!]!;
          const tol = r.label === 0 ? 0 : 6; // PNG is lossless, JPEG is not
          for (let p = 0; p < 64; p++) {
            for (let c = 0; c < 3; c++) assert.ok(Math.abs(r.pixels[p * 3 + c]! - want[c]!) <= tol);
          }
        }
        assert.deepEqual(ds.raw(split, 0), ds.raw(split, 0));
      }
      const s = ds.load("train", 0);
      assert.ok(Math.abs(s.image[0]! - (200 / 255 - 0.485) / 0.229) < 1e-5);
    }
  });
});

Deno.test("resizeCenterCrop() keeps the centre and averages when shrinking", () => {
  // 4×2 image: columns 0..3 have values 0, 100, 200, 250; shorter side 2 → size 2 keeps cols 1, 2.
  const cols = [0, 100, 200, 250];
  const data = new Uint8Array(4 * 2 * 3);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 4; x++) data.fill(cols[x]!, (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
  }
  const same = resizeCenterCrop({ width: 4, height: 2, data }, 2);
  assert.deepEqual(Array.from(same.filter((_, i) => i % 3 === 0)), [100, 200, 100, 200]);
  // Halving a 0/255 checkerboard gives mid-grey, not aliasing.
  const cb = new Uint8Array(8 * 8 * 3);
  for (let i = 0; i < 64; i++) {
    cb.fill(((i % 8) + Math.floor(i / 8)) % 2 ? 255 : 0, i * 3, i * 3 + 3);
  }
  const half = resizeCenterCrop({ width: 8, height: 8, data: cb }, 4);
  for (const v of half) assert.ok(Math.abs(v - 127.5) < 40, `value ${v}`);
});

Deno.test("openDataset(imagefolder) errors: missing tree, missing val, empty class, stray class", async () => {
  await withDir(async (dir) => {
    await assert.rejects(openDataset({ kind: "imagefolder", path: dir }), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(
        e.message,
        /expected an ImageFolder tree with .*\/train\/<class>\/<image> and .*\/val\/<class>\/<image>/,
      );
      return true;
    });
    await writeImageFolderFixture(dir);
    await Deno.remove(`${dir}/val`, { recursive: true });
    await assert.rejects(
      openDataset({ kind: "imagefolder", path: dir }),
      /missing .*\/val\/<class>\/<image>/,
    );
    await writeImageFolderFixture(dir);
    await Deno.mkdir(`${dir}/train/emu`);
    await assert.rejects(
      openDataset({ kind: "imagefolder", path: dir }),
      /train\/emu: empty class folder/,
    );
    await Deno.remove(`${dir}/train/emu`);
    await Deno.mkdir(`${dir}/val/zebra`);
    await Deno.writeFile(`${dir}/val/zebra/a.png`, await Deno.readFile(`${dir}/val/cat/img0.png`));
    await assert.rejects(
      openDataset({ kind: "imagefolder", path: dir }),
      /val: class folder\(s\) zebra do not exist in the train split/,
    );
    await Deno.remove(`${dir}/val/zebra`, { recursive: true });
    await Deno.writeTextFile(`${dir}/train/dog/broken.jpg`, "garbage");
    const ds = await openDataset({ kind: "imagefolder", path: dir, size: 8 });
    const idx = Array.from({ length: ds.size("train") }, (_, i) => i);
    assert.throws(
      () => idx.forEach((i) => ds.raw("train", i)),
      /broken\.jpg: neither a PNG nor a JPEG file/,
    );
  });
});
