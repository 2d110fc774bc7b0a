import assert from "node:assert/strict";
import { openDataset, resolveDataConfig } from "../../../lib/data/mod.ts";
import { normalizeTable } from "../../../lib/data/augment.ts";
import type { PaperTrainTransform } from "../../../lib/data/config_types.ts";
import { paperAugmentBytes, paperTrainInto } from "../../../lib/data/transforms/paper.ts";
import { parseRandAugment } from "../../../lib/data/transforms/rand_augment_spec.ts";
import { Rng } from "../../../lib/util/rng.ts";
import { FOLDER_COLORS, solid, tempDir, writeImageFolderFixture } from "../_fixtures.ts";

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

Deno.test("trainTransform {kind: paper} resolves to the official main.py defaults", () => {
  const c = resolveDataConfig({
    kind: "imagefolder",
    path: "/x",
    trainTransform: { kind: "paper" },
  });
  assert.ok(c.kind === "imagefolder");
  assert.deepEqual(c.trainTransform, {
    kind: "paper",
    randomResizedCrop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3], interpolation: "bicubic" },
    hflip: 0.5,
    randAugment: parseRandAugment("rand-m9-mstd0.5-inc1"),
    colorJitter: 0.4,
    randomErasing: { prob: 0.25, mode: "pixel", maxCount: 1 },
  });
  const s = resolveDataConfig({
    kind: "imagefolder",
    path: "/x",
    trainTransform: { kind: "paper", randAugment: "rand-m5-n1", randomErasing: null },
  });
  assert.ok(s.kind === "imagefolder" && s.trainTransform?.kind === "paper");
  assert.equal(s.trainTransform.randAugment?.magnitude, 5);
  assert.equal(s.trainTransform.randAugment?.numLayers, 1);
  assert.equal(s.trainTransform.randomErasing, null);
});

Deno.test("without trainTransform the resolved config has no such key (run ids unchanged)", () => {
  const c = resolveDataConfig({ kind: "imagefolder", path: "/x" });
  assert.ok(!("trainTransform" in c));
  assert.deepEqual(Object.keys(c).sort(), [
    "augment",
    "cache",
    "kind",
    "normalize",
    "path",
    "size",
  ]);
});

Deno.test("bad trainTransform values are ConfigErrors naming the field", () => {
  const bad = (t: unknown, re: RegExp) =>
    assert.throws(
      () => resolveDataConfig({ kind: "imagefolder", path: "/x", trainTransform: t }),
      (e: unknown) => e instanceof Error && e.name === "ConfigError" && re.test(e.message),
    );
  bad({ kind: "paper", randAugment: "rand-q3" }, /trainTransform\.randAugment.*unknown section/);
  bad({ kind: "paper", hflip: 2 }, /trainTransform\.hflip/);
  bad({ kind: "paper", randomResizedCrop: { scale: [0.5, 0.1] } }, /randomResizedCrop\.scale/);
  bad({ kind: "paper", randomErasing: { mode: "const" } }, /randomErasing\.mode/);
  bad({ kind: "fancy" }, /trainTransform/);
});

/** The recipe with every random op off or fixed: crop = whole image, no flip, no RA/erasing. */
const STILL: PaperTrainTransform = {
  kind: "paper",
  randomResizedCrop: { scale: [1, 1], ratio: [1, 1], interpolation: "bicubic" },
  hflip: 0,
  randAugment: null,
  colorJitter: null,
  randomErasing: null,
};

Deno.test("paperTrainInto with every op off normalises the (resized) image", () => {
  const img = { width: 6, height: 6, data: solid(6, 6, [200, 30, 30]) };
  const out = new Float32Array(3 * 3 * 3 + 1);
  paperTrainInto(img, 3, STILL, IMAGENET, normalizeTable(IMAGENET), new Rng([1, 2, 3, 4]), out, 1);
  for (let p = 0; p < 9; p++) {
    for (let c = 0; c < 3; c++) {
      const want = ([200, 30, 30][c]! / 255 - IMAGENET.mean[c]!) / IMAGENET.std[c]!;
      assert.ok(Math.abs(out[1 + p * 3 + c]! - want) < 1e-6);
    }
  }
  assert.equal(out[0], 0, "nothing before offset");
  // with erasing at probability 1 some pixels leave the solid colour
  const erased = new Float32Array(27);
  const t = { ...STILL, randomErasing: { prob: 1, mode: "pixel" as const, maxCount: 1 } };
  paperTrainInto(img, 3, t, IMAGENET, normalizeTable(IMAGENET), Rng.stream(0, "x"), erased, 0);
  assert.ok(erased.some((v, i) => Math.abs(v - out[1 + i]!) > 1e-6));
});

Deno.test("paperAugmentBytes: flip at hflip 1; colour jitter only without RandAugment", () => {
  const data = Uint8Array.from({ length: 27 }, (_, i) => 20 + 7 * i);
  const img = { width: 3, height: 3, data };
  const flipped = paperAugmentBytes(img, 3, { ...STILL, hflip: 1 }, IMAGENET, Rng.stream(0, "f"));
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 3; x++) {
      for (let c = 0; c < 3; c++) {
        assert.equal(flipped.data[(y * 3 + x) * 3 + c], data[(y * 3 + 2 - x) * 3 + c]);
      }
    }
  }
  const noOps = { ...parseRandAugment("rand-m9-n0"), numLayers: 0 };
  const withRa = { ...STILL, randAugment: noOps, colorJitter: 0.4 };
  assert.deepEqual(paperAugmentBytes(img, 3, withRa, IMAGENET, Rng.stream(0, "j")).data, data);
  const jitterOnly = { ...STILL, colorJitter: 0.4 };
  const j = paperAugmentBytes(img, 3, jitterOnly, IMAGENET, Rng.stream(0, "j")).data;
  assert.notDeepEqual(j, data);
});

Deno.test("an ImageFolder with the paper transform: train samples augmented, reproducible; eval unchanged", async () => {
  const dir = await tempDir();
  try {
    await writeImageFolderFixture(dir);
    const plain = await openDataset({ kind: "imagefolder", path: dir, size: 8 });
    const paper = await openDataset({
      kind: "imagefolder",
      path: dir,
      size: 8,
      trainTransform: { kind: "paper" },
    });
    assert.deepEqual(paper.load("test", 1).image, plain.load("test", 1).image);
    assert.deepEqual(paper.load("train", 2).image, plain.load("train", 2).image, "no rng: eval");
    let differs = false;
    for (let i = 0; i < paper.size("train"); i++) {
      const a = paper.load("train", i, Rng.stream(7, `s${i}`));
      const b = paper.load("train", i, Rng.stream(7, `s${i}`));
      assert.deepEqual(a.image, b.image, "same rng state, same sample");
      assert.equal(a.label, plain.load("train", i).label);
      assert.equal(a.image.length, 8 * 8 * 3);
      assert.ok(a.image.every(Number.isFinite));
      const c = paper.load("train", i, Rng.stream(8, `s${i}`));
      if (c.image.some((v, k) => v !== a.image[k])) differs = true;
    }
    assert.ok(differs, "different draws give different samples");
    assert.throws(() => paper.load("train", 99, Rng.stream(0, "x")), RangeError);
    // with every random op off, a solid (lossless PNG) cat image stays its colour
    const still = await openDataset({
      kind: "imagefolder",
      path: dir,
      size: 8,
      trainTransform: STILL,
    });
    const cat = FOLDER_COLORS.cat!;
    for (let i = 0; i < still.size("train"); i++) {
      const s = still.load("train", i, Rng.stream(1, "still"));
      if (still.classNames[s.label] !== "cat") continue;
      for (let p = 0; p < 64; p++) {
        for (let c = 0; c < 3; c++) {
          const want = (cat[c]! / 255 - IMAGENET.mean[c]!) / IMAGENET.std[c]!;
          assert.ok(Math.abs(s.image[p * 3 + c]! - want) < 1e-5, `image ${i} pixel ${p}`);
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
