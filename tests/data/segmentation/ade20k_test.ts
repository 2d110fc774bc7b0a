import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import {
  decodeLabelPng,
  openAde20k,
  readAde20kPair,
  reduceZeroLabel,
  scanAde20k,
} from "../../../lib/data/segmentation/mod.ts";
import { DataError } from "../../../lib/util/errors.ts";
import {
  adeLabelValue,
  grayPng,
  palettePng,
  rgbPng,
  withTempDir,
  writeAdeTree,
} from "./_helpers.ts";

Deno.test("decodeLabelPng keeps gray values and palette indices exactly", () => {
  const vals = Uint8Array.from({ length: 12 }, (_, i) => [0, 1, 17, 149, 150, 254, 255][i % 7]!);
  assert.deepEqual(decodeLabelPng(grayPng(4, 3, vals), "g.png").data, vals);
  const pal = decodeLabelPng(palettePng(4, 3, vals), "p.png");
  assert.deepEqual([pal.width, pal.height], [4, 3]);
  assert.deepEqual(pal.data, vals, "palette PNGs give indices, not colours");
});

Deno.test("decodeLabelPng reads 4-bit gray values as stored (no rescaling to 0..255)", () => {
  // 3 pixels of 4 bits per row, rows padded to 2 bytes: values 1, 2, 15 / 0, 7, 9.
  const packed = new Uint8Array([0x12, 0xf0, 0x07, 0x90]);
  const png = encodePng({ width: 3, height: 2, data: packed, channels: 1, depth: 4 });
  assert.deepEqual([...decodeLabelPng(png, "x.png").data], [1, 2, 15, 0, 7, 9]);
});

Deno.test("decodeLabelPng rejects colour PNGs, non-PNG bytes and 16-bit values above 255", () => {
  assert.throws(() => decodeLabelPng(rgbPng(1, 1, new Uint8Array(3)), "c.png"), (e) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /c\.png: label PNG has 3 channels/);
    return true;
  });
  assert.throws(() => decodeLabelPng(new Uint8Array([0xff, 0xd8, 1, 2]), "j.png"), /not a PNG/);
  const wide = encodePng({
    width: 2,
    height: 1,
    data: new Uint16Array([3, 300]),
    channels: 1,
    depth: 16,
  });
  assert.throws(() => decodeLabelPng(wide, "w.png"), /w\.png: 16-bit label PNG has value 300/);
  const ok = encodePng({
    width: 2,
    height: 1,
    data: new Uint16Array([3, 255]),
    channels: 1,
    depth: 16,
  });
  assert.deepEqual([...decodeLabelPng(ok, "o.png").data], [3, 255]);
});

Deno.test("reduceZeroLabel maps 0 to 255, v to v-1 and keeps 255", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const out = reduceZeroLabel({ width: 256, height: 1, data: all }).data;
  assert.equal(out[0], 255);
  for (let v = 1; v < 255; v++) assert.equal(out[v], v - 1);
  assert.equal(out[255], 255);
  assert.equal(all[0], 0, "input untouched");
});

Deno.test("openAde20k matches images and annotations by basename and reduces labels", async () => {
  await withTempDir(async (root) => {
    await writeAdeTree(root, 3, 2);
    const ds = await openAde20k(root);
    assert.equal(ds.size("train"), 3);
    assert.equal(ds.size("test"), 2);
    assert.deepEqual(ds.entries.train.map((e) => e.name), [
      "ADE_training_0000",
      "ADE_training_0001",
      "ADE_training_0002",
    ]);
    for (const split of ["train", "test"] as const) {
      for (let i = 0; i < ds.size(split); i++) {
        const p = ds.pair(split, i);
        assert.deepEqual([p.image.width, p.image.height, p.image.channels], [6, 4, 3]);
        for (let q = 0; q < 24; q++) {
          const raw = adeLabelValue(i, q);
          assert.equal(p.label.data[q], raw === 0 || raw === 255 ? 255 : raw - 1);
        }
      }
    }
    // PNG images are lossless; the JPEG is close to its flat colour.
    const val = ds.pair("test", 1).image.data;
    for (let k = 0; k < 72; k++) assert.equal(val[k], (k * 3 + 1) % 256);
    const tr = ds.pair("train", 0).image.data;
    assert.ok(Math.abs(tr[0]! - 200) <= 3 && Math.abs(tr[1]! - 100) <= 3);
    const raw = await openAde20k(root, { reduceZeroLabel: false });
    assert.equal(raw.pair("train", 1).label.data[0], adeLabelValue(1, 0));
  });
});

Deno.test("openAde20k names the folder and file for missing or unmatched files", async () => {
  await withTempDir(async (root) => {
    await assert.rejects(() => openAde20k(`${root}/nope`), /nope: not a folder/);
    await writeAdeTree(root, 2, 1);
    await Deno.remove(`${root}/annotations/validation`, { recursive: true });
    await assert.rejects(() => openAde20k(root), (e) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /annotations\/validation: folder missing/);
      return true;
    });
    await Deno.mkdir(`${root}/annotations/validation`);
    await assert.rejects(
      () => scanAde20k(root, "test"),
      /images\/validation\/ADE_validation_0000\.png: no annotation .*annotations\/validation\/ADE_validation_0000\.png/,
    );
    await Deno.writeFile(
      `${root}/annotations/training/extra_a.png`,
      grayPng(1, 1, new Uint8Array(1)),
    );
    await Deno.writeFile(
      `${root}/annotations/training/extra_b.png`,
      grayPng(1, 1, new Uint8Array(1)),
    );
    await assert.rejects(
      () => scanAde20k(root, "train"),
      /annotations\/training\/extra_a\.png: no image .*images\/training\/extra_a\.jpg \(2 annotations lack one\)/,
    );
  });
});

Deno.test("readAde20kPair rejects an annotation whose size differs from its image", async () => {
  await withTempDir(async (root) => {
    await writeAdeTree(root, 1, 1);
    const entry = (await scanAde20k(root, "train"))[0]!;
    await Deno.writeFile(entry.label, grayPng(5, 4, new Uint8Array(20)));
    assert.throws(() => readAde20kPair(entry, true), (e) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /annotation is 5x4 but its image .*\.jpg is 6x4/);
      return true;
    });
  });
});
