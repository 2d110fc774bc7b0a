import assert from "node:assert/strict";
import {
  channelsOf,
  DataConfigSchema,
  defaultNormalize,
  generateShape,
  imageSideOf,
  openDataset,
  resolveDataConfig,
  SHAPE_EXTENT,
  SHAPES_CLASSES,
  shapesSample,
} from "../../lib/data/mod.ts";
import { dataShape } from "../../lib/train/resolve.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { Rng } from "../../lib/util/rng.ts";

const OPTS = { size: 32, noise: 0.1, shift: 0.5, seed: 0, split: "train" };

/** Coverage of the shape at each pixel, from a noise-free image (0 background … 1 shape). */
function coverage(size: number, label: number, seed: number, shift = 0.5) {
  const im = generateShape(size, label, 0, shift, Rng.stream(seed, "cover"));
  const { background, foreground } = im.params;
  const lo = Math.round(255 * background);
  const hi = Math.round(255 * foreground);
  const cover = Array.from(im.pixels, (p) => (p - lo) / (hi - lo));
  return { im, cover };
}

/** Area, centroid and principal-axis angle (counter-clockwise on screen, mod 180°) of `w`. */
function moments(w: number[], size: number) {
  let m = 0, mx = 0, my = 0;
  w.forEach((v, i) => {
    m += v;
    mx += v * (i % size + 0.5);
    my += v * (Math.floor(i / size) + 0.5);
  });
  const cx = mx / m, cy = my / m;
  let sxx = 0, syy = 0, sxy = 0;
  w.forEach((v, i) => {
    const dx = i % size + 0.5 - cx;
    const dy = -(Math.floor(i / size) + 0.5 - cy); // up is positive: angles counter-clockwise
    sxx += v * dx * dx;
    syy += v * dy * dy;
    sxy += v * dx * dy;
  });
  const angle = (0.5 * Math.atan2(2 * sxy, sxx - syy) * 180) / Math.PI;
  return { area: m, cx, cy, angle: (angle + 180) % 180 };
}

Deno.test("shapesSample() is deterministic per (seed, split, index) and differs otherwise", () => {
  const a = shapesSample(OPTS, 5);
  assert.deepEqual(shapesSample(OPTS, 5).pixels, a.pixels);
  assert.notDeepEqual(shapesSample({ ...OPTS, seed: 1 }, 5).pixels, a.pixels);
  assert.notDeepEqual(shapesSample({ ...OPTS, split: "test" }, 5).pixels, a.pixels);
  assert.notDeepEqual(shapesSample(OPTS, 13).pixels, a.pixels, "same class, another image");
  assert.equal(shapesSample(OPTS, 13).label, a.label);
});

Deno.test("shapes splits are balanced: label = index mod 8", async () => {
  const ds = await openDataset({ kind: "shapes", trainSize: 100, testSize: 64 });
  for (const [split, n] of [["train", 100], ["test", 64]] as const) {
    const counts = new Array(SHAPES_CLASSES.length).fill(0);
    for (let i = 0; i < n; i++) counts[ds.raw(split, i).label]++;
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${split}: ${counts}`);
    assert.equal(counts.reduce((s, c) => s + c, 0), n);
  }
  assert.equal(ds.raw("train", 11).label, 3);
});

Deno.test("openDataset(shapes): shapes, normalization, memo equal to fresh generation", async () => {
  for (const size of [32, 64]) {
    const cfg = { kind: "shapes" as const, size, trainSize: 16, testSize: 8, seed: 3 };
    const ds = await openDataset(cfg);
    assert.equal(ds.name, `shapes${size}`);
    assert.deepEqual([ds.height, ds.width, ds.inChannels, ds.numClasses], [size, size, 1, 8]);
    assert.deepEqual(ds.classNames, SHAPES_CLASSES);
    assert.deepEqual([ds.size("train"), ds.size("test")], [16, 8]);
    const raw = ds.raw("test", 7);
    assert.equal(raw.pixels.length, size * size);
    assert.deepEqual(ds.raw("test", 7).pixels, raw.pixels, "memoized read equals the first");
    const fresh = shapesSample({ size, noise: 0.1, shift: 0.5, seed: 3, split: "test" }, 7);
    assert.deepEqual(raw.pixels, fresh.pixels);
    const again = await openDataset(cfg);
    assert.deepEqual(again.raw("test", 7).pixels, raw.pixels);
    const { image, label } = ds.load("test", 7);
    assert.equal(label, 7);
    assert.equal(image.length, size * size);
    for (const p of [0, 100, size * size - 1]) {
      assert.ok(Math.abs(image[p]! - (raw.pixels[p]! / 255 - 0.5) / 0.5) < 1e-6, `pixel ${p}`);
    }
    assert.throws(() => ds.raw("train", 16), RangeError);
  }
});

Deno.test("generateShape() draws each class with its area and, for bars, its angle", () => {
  // Areas in units of the half extent squared: disc π, ring π(1 − 0.7²), square 1.6², frame
  // 1.6² − 1.1², bar 2 × 0.6.
  const unitArea = [Math.PI, Math.PI * 0.51, 2.56, 2.56 - 1.21, 1.2, 1.2, 1.2, 1.2];
  for (let label = 0; label < SHAPES_CLASSES.length; label++) {
    for (const seed of [0, 1, 2]) {
      const { im, cover } = coverage(64, label, seed);
      const { radius, tilt, cx, cy } = im.params;
      const m = moments(cover, 64);
      const want = unitArea[label]! * radius * radius;
      const name = `${SHAPES_CLASSES[label]} seed ${seed}`;
      assert.ok(Math.abs(m.area - want) < 0.04 * want, `${name}: area ${m.area} vs ${want}`);
      assert.ok(Math.hypot(m.cx - cx, m.cy - cy) < 0.5, `${name}: centroid`);
      const bar = /^bar_(\d+)$/.exec(SHAPES_CLASSES[label]!);
      if (bar) {
        const want = (Number(bar[1]) + (tilt * 180) / Math.PI + 180) % 180;
        const diff = Math.abs(((m.angle - want + 270) % 180) - 90);
        assert.ok(diff < 2, `${name}: axis ${m.angle.toFixed(1)}° vs ${want.toFixed(1)}°`);
      }
    }
  }
});

Deno.test("generateShape(): shift 0 centres the shape, shift 1 keeps it inside the image", () => {
  for (let i = 0; i < 40; i++) {
    const label = i % 8;
    const centred = generateShape(32, label, 0.1, 0, Rng.stream(i, "c")).params;
    assert.deepEqual([centred.cx, centred.cy], [16, 16]);
    const { im } = coverage(32, label, i, 1);
    const { cx, cy, radius } = im.params;
    const reach = SHAPE_EXTENT * radius;
    for (const v of [cx - reach, cy - reach]) assert.ok(v >= 0, `shape ${i} leaves the image`);
    for (const v of [cx + reach, cy + reach]) assert.ok(v <= 32, `shape ${i} leaves the image`);
  }
  const spread = (shift: number) => {
    const xs = Array.from({ length: 64 }, (_, i) => shapesSample({ ...OPTS, shift }, i).params.cx);
    return Math.max(...xs) - Math.min(...xs);
  };
  assert.ok(spread(1) > spread(0.5) && spread(0.5) > 0, "larger shift, wider placement");
  assert.throws(() => generateShape(32, 8, 0, 0, Rng.stream(0, "x")), /label 8/);
});

Deno.test("shapes config: defaults, validation, side, channels, classes", () => {
  const c = DataConfigSchema.parse({ kind: "shapes" });
  if (c.kind !== "shapes") throw new Error("kind");
  assert.deepEqual(c, {
    kind: "shapes",
    size: 32,
    trainSize: 2000,
    testSize: 1000,
    seed: 0,
    noise: 0.1,
    shift: 0.5,
    augment: { crop: null, flip: false },
  });
  assert.equal(channelsOf(c), 1);
  assert.deepEqual(defaultNormalize(c), { mean: [0.5], std: [0.5] });
  assert.deepEqual(dataShape(c), { numClasses: 8, inChannels: 1 });
  assert.deepEqual(imageSideOf({ ...c, size: 48 }).side, 48);
  assert.equal(imageSideOf(c).field, "size");
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ size: 31 }, /^data\.size: .*>=32/],
    [{ size: 513 }, /^data\.size: .*<=512/],
    [{ noise: 1.5 }, /^data\.noise: /],
    [{ shift: -0.1 }, /^data\.shift: /],
    [{ classes: 4 }, /^data: unknown field "classes"; valid fields: .*"shift"/],
  ];
  for (const [fields, message] of bad) {
    assert.throws(
      () => resolveDataConfig({ kind: "shapes", ...fields }),
      (e) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(fields),
    );
  }
});
