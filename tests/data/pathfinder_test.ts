import assert from "node:assert/strict";
import {
  CONTOUR_LENGTH,
  type Difficulty,
  openDataset,
  PATHFINDER_GEOMETRY,
  pathfinderCacheFile,
  pathfinderSample,
  type Point,
  resolveDataConfig,
} from "../../lib/data/mod.ts";
import { tempDir } from "./_fixtures.ts";

const DIFFS: Difficulty[] = ["easy", "intermediate", "hard"];

/**
 * Pixel-level connectivity between the two markers: threshold the image, dilate the ink by `r`
 * pixels (a square), flood-fill (4-neighbours) from marker a's pixel. With the geometry of
 * PATHFINDER_GEOMETRY (step 2.4, dash 1.1, thickness 1.0, minSep 3.0 units; a unit is size/32 px)
 * the gap between consecutive dashes of one contour is 2.4 − 1.1 − 1.0 = 0.3 units (0.6 px at 64,
 * 1.2 px at 128), which the dilation closes, while ink of separate contours (and markers, whose
 * clearance grows with their radius) stays at least minSep − thickness = 2.0 units apart (4 px at
 * 64, 8 px at 128), more than twice the dilation plus anti-aliasing, so the fill cannot jump
 * between contours. Markers on one contour are thus connected, markers on two are not.
 */
function markersConnected(
  pixels: Uint8Array,
  size: number,
  a: Point,
  b: Point,
  r: number,
): boolean {
  const ink = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (pixels[y * size + x]! < 96) continue;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < size && xx >= 0 && xx < size) ink[yy * size + xx] = 1;
        }
      }
    }
  }
  const start = Math.floor(a.y) * size + Math.floor(a.x);
  const goal = Math.floor(b.y) * size + Math.floor(b.x);
  assert.equal(ink[start], 1, "marker a must be inked");
  assert.equal(ink[goal], 1, "marker b must be inked");
  const seen = new Uint8Array(size * size);
  const stack = [start];
  seen[start] = 1;
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (p === goal) return true;
    const y = Math.floor(p / size);
    const x = p % size;
    for (const [yy, xx] of [[y - 1, x], [y + 1, x], [y, x - 1], [y, x + 1]] as const) {
      if (yy < 0 || yy >= size || xx < 0 || xx >= size) continue;
      const q = yy * size + xx;
      if (ink[q] === 1 && seen[q] === 0) {
        seen[q] = 1;
        stack.push(q);
      }
    }
  }
  return false;
}

Deno.test("pathfinderSample() is deterministic in (seed, split, index) and differs otherwise", () => {
  for (const size of [32, 64, 128]) {
    const o = { size, difficulty: "intermediate" as const, seed: 7, split: "train" };
    const a = pathfinderSample(o, 5);
    const b = pathfinderSample(o, 5);
    assert.deepEqual(a.pixels, b.pixels);
    assert.deepEqual(a.markers, b.markers);
    assert.notDeepEqual(pathfinderSample({ ...o, seed: 8 }, 5).pixels, a.pixels);
    assert.notDeepEqual(pathfinderSample({ ...o, split: "test" }, 5).pixels, a.pixels);
    assert.notDeepEqual(pathfinderSample(o, 7).pixels, a.pixels);
    assert.equal(a.pixels.length, size * size);
  }
});

Deno.test("pathfinderSample() puts positive markers on one contour's ends, negatives on two", () => {
  for (const d of DIFFS) {
    for (let i = 0; i < 20; i++) {
      const im = pathfinderSample({ size: 64, difficulty: d, seed: 1, split: "train" }, i);
      assert.equal(im.label, i % 2);
      const [a, b] = im.contours as [Point[], Point[]];
      assert.equal(a.length, CONTOUR_LENGTH[d] + 1);
      assert.equal(b.length, CONTOUR_LENGTH[d] + 1);
      const endsA = [a[0], a[a.length - 1]];
      const endsB = [b[0], b[b.length - 1]];
      assert.ok(endsA.includes(im.markers[0]));
      assert.ok((im.label === 1 ? endsA : endsB).includes(im.markers[1]));
      assert.notEqual(im.markers[0], im.markers[1]);
    }
  }
});

Deno.test("pathfinderSample() keeps separate contours at least minSep apart", () => {
  const u = 2;
  const sep = PATHFINDER_GEOMETRY.minSep * u;
  for (let i = 0; i < 12; i++) {
    const im = pathfinderSample(
      { size: 64, difficulty: DIFFS[i % 3]!, seed: 3, split: "train" },
      i,
    );
    // Points every 1/16 step along each contour, tagged by contour.
    const pts: { x: number; y: number; c: number }[] = [];
    im.contours.forEach((c, ci) => {
      for (let k = 0; k + 1 < c.length; k++) {
        for (let t = 0; t <= 16; t++) {
          const f = t / 16;
          pts.push({
            x: c[k]!.x + f * (c[k + 1]!.x - c[k]!.x),
            y: c[k]!.y + f * (c[k + 1]!.y - c[k]!.y),
            c: ci,
          });
        }
      }
    });
    let min = Infinity;
    for (let p = 0; p < pts.length; p++) {
      for (let q = p + 1; q < pts.length; q++) {
        if (pts[p]!.c === pts[q]!.c) continue;
        min = Math.min(min, Math.hypot(pts[p]!.x - pts[q]!.x, pts[p]!.y - pts[q]!.y));
      }
    }
    assert.ok(min >= sep - 1e-9, `image ${i}: contours ${min.toFixed(2)} px apart < ${sep}`);
    for (const c of im.contours) {
      for (const p of c) {
        assert.ok(p.x >= 0 && p.x <= 64 && p.y >= 0 && p.y <= 64);
      }
    }
  }
});

Deno.test("pathfinder images: markers are pixel-connected exactly in positives (64 and 128 px)", () => {
  for (const [size, r] of [[64, 1], [128, 2]] as const) {
    for (const d of DIFFS) {
      const n = size === 64 ? 30 : 10;
      for (let i = 0; i < n; i++) {
        const im = pathfinderSample({ size, difficulty: d, seed: 11, split: "train" }, i);
        const conn = markersConnected(im.pixels, size, im.markers[0], im.markers[1], r);
        assert.equal(conn, im.label === 1, `${size} ${d} image ${i} label ${im.label}`);
      }
    }
  }
});

Deno.test("pathfinder data set: balanced labels, brightness does not give the label away", async () => {
  const ds = await openDataset({
    kind: "pathfinder",
    size: 32,
    difficulty: "hard",
    trainSize: 200,
    testSize: 10,
  });
  assert.equal(ds.numClasses, 2);
  assert.equal(ds.inChannels, 1);
  const ink = [0, 0];
  const count = [0, 0];
  for (let i = 0; i < 200; i++) {
    const r = ds.raw("train", i);
    count[r.label]!++;
    ink[r.label]! += r.pixels.reduce((a, v) => a + v, 0);
  }
  assert.deepEqual(count, [100, 100]);
  const ratio = ink[0]! / ink[1]!;
  assert.ok(ratio > 0.9 && ratio < 1.1, `ink ratio negatives/positives ${ratio}`);
  const s = ds.load("train", 3);
  assert.equal(s.image.length, 32 * 32);
  assert.ok(s.image.every((v) => v >= -1 && v <= 1));
  assert.ok(s.image.some((v) => v > 0.9));
});

Deno.test("pathfinder cacheDir: written once, read back identical, rebuilt when corrupt", async () => {
  const dir = await tempDir();
  try {
    const cfg = {
      kind: "pathfinder",
      size: 32,
      trainSize: 30,
      testSize: 6,
      seed: 4,
      cacheDir: `${dir}/cache`,
    } as const;
    const lines: string[] = [];
    const a = await openDataset(cfg, { onProgress: (m) => lines.push(m) });
    assert.equal(lines.length, 2);
    const resolved = resolveDataConfig(cfg);
    if (resolved.kind !== "pathfinder") throw new Error("kind");
    const file = pathfinderCacheFile(resolved, "train");
    assert.equal((await Deno.stat(file)).size, 16 + 30 + 30 * 32 * 32);
    const b = await openDataset(cfg, { onProgress: (m) => lines.push(m) });
    assert.equal(lines.length, 2, "second open must read the cache");
    const plain = await openDataset({ ...cfg, cacheDir: null });
    for (let i = 0; i < 30; i++) {
      assert.deepEqual(b.raw("train", i), plain.raw("train", i));
      assert.deepEqual(a.raw("train", i), plain.raw("train", i));
    }
    await Deno.writeFile(file, new Uint8Array(10));
    const c = await openDataset(cfg, { onProgress: (m) => lines.push(m) });
    assert.match(lines[2]!, /malformed, regenerating/);
    assert.deepEqual(c.raw("train", 29), plain.raw("train", 29));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
