// The ERF comparison figure titles every panel by its model (not "1 / 2 / 3"): the layout puts each
// title above its map, the built-in font draws every character of typical labels, and the titles
// change the pixels drawn.
import assert from "node:assert/strict";
import { decode } from "fast-png";
import {
  compareLayout,
  type ComparePanel,
  comparePng,
  fitText,
  unknownGlyphs,
} from "../../lib/analysis/mod.ts";
import { panelTitle } from "../../cli/_erf_compare.ts";

function panel(title: string): ComparePanel {
  const h = 8, w = 8;
  const scaled = new Float32Array(h * w).map((_, i) => (i % 7) / 6);
  return { title, scaled, h, w, areaRatio: { "0.2": 0.1, "0.99": 0.9 } };
}

Deno.test("compareLayout(): one title per panel, above its map, in panel order", () => {
  const titles = ["shapes / convnext-7", "shapes / replk-31", "shapes / slak-51"];
  const l = compareLayout(titles.map(panel));
  const drawn = l.texts.slice(0, titles.length);
  assert.deepEqual(drawn.map((t) => t.text), titles);
  drawn.forEach((t, i) => {
    assert.equal(t.x, l.maps[i]!.x, titles[i]!);
    assert.ok(t.y + 5 * t.scale <= l.maps[i]!.y, `${titles[i]} sits above its map`);
  });
  // The ratio lines follow, below the maps.
  assert.ok(l.texts.slice(titles.length).every((t) => t.y > l.maps[0]!.y + l.size));
  assert.equal(l.texts.length, titles.length * 3);
});

Deno.test("the built-in font draws labels, model names and numbers; unknown signs are reported", () => {
  for (const s of ["pathfinder / convnext-7", "fmnist / slak-51", "RepLKNet_31 (0.5)", "r=0.99"]) {
    assert.deepEqual(unknownGlyphs(s), [], s);
  }
  assert.deepEqual(unknownGlyphs("a→b"), ["→"]);
});

Deno.test("fitText() cuts a long title to the panel width, marked with '..'", () => {
  assert.equal(fitText("short", 256, 2), "short");
  const cut = fitText("x".repeat(100), 256, 2);
  assert.equal(cut.length, 32);
  assert.ok(cut.endsWith(".."));
});

Deno.test("comparePng(): the titles are drawn (different titles, different pixels above the maps)", () => {
  const a = decode(comparePng([panel("convnext-7"), panel("slak-51")]));
  const b = decode(comparePng([panel("convnext-7"), panel("replk-31")]));
  const l = compareLayout([panel("convnext-7"), panel("slak-51")]);
  assert.equal(a.width, l.width);
  const row = (img: typeof a, y: number, x0: number, x1: number) => {
    let dark = 0;
    for (let x = x0; x < x1; x++) if (img.data[(y * img.width + x) * 3]! < 128) dark++;
    return dark;
  };
  // Panel 1's title band is identical, panel 2's differs; both bands hold ink.
  let same = 0, differ = 0, ink = 0;
  for (let y = 0; y < l.maps[0]!.y; y++) {
    same += Math.abs(
      row(a, y, l.maps[0]!.x, l.maps[0]!.x + l.size) -
        row(b, y, l.maps[0]!.x, l.maps[0]!.x + l.size),
    );
    differ += Math.abs(
      row(a, y, l.maps[1]!.x, l.maps[1]!.x + l.size) -
        row(b, y, l.maps[1]!.x, l.maps[1]!.x + l.size),
    );
    ink += row(a, y, l.maps[0]!.x, l.maps[0]!.x + l.size);
  }
  assert.equal(same, 0);
  assert.ok(differ > 0);
  assert.ok(ink > 20, `title ink ${ink}`);
});

Deno.test("slak erf --compare titles a panel by its folder's name", () => {
  assert.equal(panelTitle("experiments/erf/convnext_7", 0), "convnext_7");
  assert.equal(panelTitle("experiments/erf/slak_51/", 2), "slak_51");
});
