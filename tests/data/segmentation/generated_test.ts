import assert from "node:assert/strict";
import {
  generateSegShapes,
  insideDistance,
  SEG_SHAPES_CLASSES,
  segShapesSet,
} from "../../../lib/data/segmentation/mod.ts";
import { Rng } from "../../../lib/util/rng.ts";

Deno.test("seg_shapes is reproducible per (seed, split, index) and differs across them", () => {
  const set = segShapesSet({ size: 64, style: "outline", seed: 3, sizes: { train: 10, test: 4 } });
  const a = set.pair("train", 7);
  assert.deepEqual(a, set.pair("train", 7));
  assert.notDeepEqual(a.image.data, set.pair("train", 6).image.data);
  assert.notDeepEqual(set.pair("train", 2).image.data, set.pair("test", 2).image.data);
  const other = segShapesSet({
    size: 64,
    style: "outline",
    seed: 4,
    sizes: { train: 10, test: 4 },
  });
  assert.notDeepEqual(a.image.data, other.pair("train", 7).image.data);
  assert.throws(() => set.pair("test", 4), RangeError);
  assert.equal(set.name, "seg_shapes-outline-64");
});

Deno.test("seg_shapes labels every pixel with the shape containing its centre (0 outside)", () => {
  for (const style of ["filled", "outline"] as const) {
    for (let i = 0; i < 20; i++) {
      const size = [64, 128, 256][i % 3]!;
      const img = generateSegShapes({ size, style }, Rng.stream(i, "t"));
      assert.ok(img.shapes.length >= 1 && img.shapes.length <= 3);
      for (const [j, s] of img.shapes.entries()) {
        assert.ok(s.radius >= 0.15 * size && s.radius <= 0.3 * size);
        assert.ok(s.cx >= s.radius && s.cx <= size - s.radius, "inside the canvas");
        for (const t of img.shapes.slice(j + 1)) {
          assert.ok(Math.hypot(s.cx - t.cx, s.cy - t.cy) >= s.radius + t.radius + 2, "no overlap");
        }
      }
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const hit = img.shapes.find((s) => insideDistance(s, x + 0.5, y + 0.5) >= 0);
          assert.equal(img.label.data[y * size + x], hit?.label ?? 0);
        }
      }
    }
  }
});

Deno.test("seg_shapes geometry: disc, square and triangle distances at known points", () => {
  const base = { cx: 50, cy: 50, radius: 20, angle: 0 };
  assert.equal(insideDistance({ ...base, label: 1 }, 50, 50), 20);
  assert.equal(insideDistance({ ...base, label: 1 }, 50, 75), -5);
  const half = 20 / Math.SQRT2;
  assert.ok(Math.abs(insideDistance({ ...base, label: 2 }, 50, 50) - half) < 1e-12);
  // rotated 45°, the square's corner points along +x at distance 20
  const rot = { ...base, label: 2, angle: Math.PI / 4 };
  assert.ok(Math.abs(insideDistance(rot, 69.9, 50)) < 0.2);
  // triangle: inradius 10 at the centre; the vertex opposite the angle-0 edge is at (30, 50)
  assert.ok(Math.abs(insideDistance({ ...base, label: 3 }, 50, 50) - 10) < 1e-12);
  assert.ok(Math.abs(insideDistance({ ...base, label: 3 }, 30, 50)) < 1e-9);
  assert.ok(insideDistance({ ...base, label: 3 }, 61, 50) < 0, "past the edge at x = 60");
  // angle π/2 turns that edge's normal to +y (down): edge at y = 60, vertex on top at (50, 30)
  const down = { ...base, label: 3, angle: Math.PI / 2 };
  assert.ok(Math.abs(insideDistance(down, 50, 30)) < 1e-9);
  assert.ok(insideDistance(down, 50, 59) > 0 && insideDistance(down, 50, 61) < 0);
  assert.throws(() => insideDistance({ ...base, label: 4 }, 0, 0), RangeError);
});

Deno.test("outline style: strokes are bright, interiors are background noise", () => {
  let strokes = 0, interior = 0, interiorSum = 0, bg = 0, bgSum = 0;
  for (let i = 0; i < 10; i++) {
    const size = 128;
    const img = generateSegShapes({ size, style: "outline" }, Rng.stream(i, "o"));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = img.image.data[(y * size + x) * 3]!;
        assert.equal(img.image.data[(y * size + x) * 3 + 1], v);
        const d = Math.max(...img.shapes.map((s) => insideDistance(s, x + 0.5, y + 0.5)));
        if (d >= 0 && d < 2) {
          assert.equal(v, 242);
          strokes++;
        } else {
          assert.ok(v >= 38 && v <= 166, `noise value ${v}`);
          if (d >= 2) (interior++, interiorSum += v);
          else (bg++, bgSum += v);
        }
      }
    }
  }
  assert.ok(strokes > 0 && interior > 1000 && bg > 1000);
  assert.ok(Math.abs(interiorSum / interior - bgSum / bg) < 3, "same noise inside and out");
});

Deno.test("filled style: all shapes of an image carry the same stripe texture", () => {
  const size = 96;
  const img = generateSegShapes({ size, style: "filled" }, Rng.stream(5, "f"));
  const { kx, ky, phase } = img.texture;
  let inside = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (img.label.data[y * size + x] === 0) continue;
      inside++;
      const want = Math.round(
        255 * (0.5 + 0.4 * Math.sin(kx * (x + 0.5) + ky * (y + 0.5) + phase)),
      );
      assert.equal(img.image.data[(y * size + x) * 3], want);
    }
  }
  assert.ok(inside > 0);
});

Deno.test("seg_shapes draws every class and rejects sizes outside 64..256", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 30; i++) {
    for (const s of generateSegShapes({ size: 64, style: "filled" }, Rng.stream(i, "c")).shapes) {
      seen.add(s.label);
    }
  }
  assert.deepEqual([...seen].sort(), [1, 2, 3]);
  assert.equal(SEG_SHAPES_CLASSES.length, 4);
  assert.throws(
    () => generateSegShapes({ size: 32, style: "filled" }, Rng.stream(0, "x")),
    /\[64, 256\]/,
  );
  assert.throws(
    () => generateSegShapes({ size: 300, style: "filled" }, Rng.stream(0, "x")),
    RangeError,
  );
});
