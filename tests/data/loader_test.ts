import assert from "node:assert/strict";
import {
  type Augment,
  type Batch,
  Loader,
  type LoaderState,
  openDataset,
} from "../../lib/data/mod.ts";
import { makeDataset } from "../../lib/data/raw_dataset.ts";
import { fixturePixel } from "./_fixtures.ts";

const H = 5;
const W = 6;
const C = 3;

/** A tiny RGB data set: 23 train / 7 test images whose every byte is known. */
function tinyDataset(augment: Augment = { crop: { pad: 2 }, flip: true }) {
  const pixels = (i: number) =>
    Uint8Array.from({ length: H * W * C }, (_, p) => fixturePixel(i, p));
  return makeDataset(
    {
      name: "tiny",
      classNames: ["a", "b", "c"],
      inChannels: C,
      height: H,
      width: W,
      sizes: { train: 23, test: 7 },
      raw: (split, i) => ({ pixels: pixels(split === "train" ? i : 500 + i), label: i % 3 }),
    },
    { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] }, // image values = raw bytes
    augment,
  );
}

async function take(loader: Loader, n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) out.push(await loader.next());
  return out;
}

function sameBatch(a: Batch, b: Batch, msg: string): void {
  assert.deepEqual(
    [a.epoch, a.batchIndex, a.n, a.lastInEpoch],
    [b.epoch, b.batchIndex, b.n, b.lastInEpoch],
    msg,
  );
  assert.deepEqual(a.indices, b.indices, msg);
  assert.deepEqual(a.y, b.y, msg);
  assert.deepEqual(a.x, b.x, msg);
}

Deno.test("Loader: seeded per-epoch permutations, same seed same batches, dropLast", async () => {
  const ds = tinyDataset();
  const a = new Loader(ds, { split: "train", batchSize: 5, seed: 42 });
  const b = new Loader(ds, { split: "train", batchSize: 5, seed: 42, prefetch: false });
  const c = new Loader(ds, { split: "train", batchSize: 5, seed: 43 });
  assert.equal(a.batchesPerEpoch, 4); // 23 samples, dropLast: 4 batches of 5
  const ba = await take(a, 12);
  const bb = await take(b, 12);
  const bc = await take(c, 4);
  ba.forEach((x, i) => sameBatch(x, bb[i]!, `batch ${i}`));
  const orders: number[][] = [];
  for (let e = 0; e < 3; e++) {
    const ep = ba.slice(e * 4, e * 4 + 4);
    assert.ok(ep.every((x) => x.epoch === e && x.n === 5));
    assert.deepEqual(ep.map((x) => x.lastInEpoch), [false, false, false, true]);
    const idx = ep.flatMap((x) => Array.from(x.indices));
    assert.equal(new Set(idx).size, 20, "no repeats within an epoch");
    assert.ok(idx.every((i) => i >= 0 && i < 23));
    orders.push(idx);
    for (const x of ep) x.indices.forEach((i, k) => assert.equal(x.y[k], i % 3));
  }
  assert.notDeepEqual(orders[0], orders[1]);
  assert.notDeepEqual(orders[1], orders[2]);
  assert.notDeepEqual(bc.flatMap((x) => Array.from(x.indices)), orders[0]);
  assert.deepEqual(a.state().epoch, 3);
  for (const l of [a, b, c]) l.close();
});

Deno.test("Loader: a loader restored from a saved state yields exactly the remaining batches", async () => {
  const ds = tinyDataset();
  for (const dropLast of [true, false]) {
    const ref = new Loader(ds, { split: "train", batchSize: 4, seed: 7, dropLast });
    const per = ref.batchesPerEpoch;
    assert.equal(per, dropLast ? 5 : 6);
    const all = await take(ref, per * 3);
    ref.close();
    if (!dropLast) assert.equal(all[per - 1]!.n, 3, "the last batch keeps the remainder");
    for (const cut of [1, per - 1, per, per + 2, 2 * per + 1]) {
      const first = new Loader(ds, { split: "train", batchSize: 4, seed: 7, dropLast });
      await take(first, cut);
      const saved: LoaderState = JSON.parse(JSON.stringify(first.state()));
      // Keep going on the original: its prefetched batch must not disturb anything.
      const cont = await take(first, 3);
      first.close();
      const resumed = new Loader(ds, {
        split: "train",
        batchSize: 4,
        seed: 999,
        dropLast,
        state: saved,
      });
      const rest = await take(resumed, per * 3 - cut);
      resumed.close();
      rest.forEach((x, i) =>
        sameBatch(x, all[cut + i]!, `dropLast ${dropLast} cut ${cut} batch ${i}`)
      );
      cont.forEach((x, i) => sameBatch(x, all[cut + i]!, `continued ${i}`));
    }
  }
});

/** All (2p+1)² × 2 crops and flips of a raw image, written independently of the library. */
function candidates(raw: Uint8Array, pad: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let dy = -pad; dy <= pad; dy++) {
    for (let dx = -pad; dx <= pad; dx++) {
      for (const flip of [false, true]) {
        const img = new Float32Array(H * W * C);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            // Pad, crop at (pad + dy, pad + dx), then flip.
            const cx = flip ? W - 1 - x : x;
            const sy = y + dy;
            const sx = cx + dx;
            for (let c = 0; c < C; c++) {
              const inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
              img[(y * W + x) * C + c] = inside ? raw[(sy * W + sx) * C + c]! : 0;
            }
          }
        }
        out.push(img);
      }
    }
  }
  return out;
}

Deno.test("Loader: train-time crop and flip are seeded, valid, and varied; eval is plain", async () => {
  const ds = tinyDataset();
  const a = new Loader(ds, { split: "train", batchSize: 23, seed: 5, dropLast: false });
  const b = new Loader(ds, { split: "train", batchSize: 23, seed: 5, dropLast: false });
  const [ba, ba2] = await take(a, 2);
  const [bb] = await take(b, 1);
  sameBatch(ba!, bb!, "same seed, same augmentation");
  const seen = new Set<number>();
  const draws = [new Map<number, number>(), new Map<number, number>()];
  [ba!, ba2!].forEach((batch, e) => {
    batch.indices.forEach((idx, k) => {
      const raw = ds.raw("train", idx).pixels;
      const got = batch.x.subarray(k * H * W * C, (k + 1) * H * W * C);
      const which = candidates(raw, 2).findIndex((c) =>
        c.every((v, i) => Math.abs(v - got[i]!) < 1e-3)
      );
      assert.ok(which >= 0, `sample ${idx} is not a crop/flip of its image`);
      seen.add(which);
      draws[e]!.set(idx, which);
    });
  });
  assert.ok(seen.size >= 15, `only ${seen.size} distinct crop/flip draws in 46 samples`);
  // Index 24 is the identity (dy = dx = 0, no flip); each epoch draws anew for every image.
  const identity = [...draws[0]!.values(), ...draws[1]!.values()].filter((w) => w === 24).length;
  assert.ok(identity < 8, `${identity} of 46 samples unaugmented`);
  const redrawn = [...draws[0]!.keys()].filter((i) => draws[0]!.get(i) !== draws[1]!.get(i)).length;
  assert.ok(redrawn >= 15, `only ${redrawn} of 23 images got a new draw in epoch 2`);

  const ev = new Loader(ds, { split: "test", batchSize: 4, seed: 5 });
  const eb = await take(ev, 3);
  assert.deepEqual(eb.map((x) => x.n), [4, 3, 4]);
  assert.deepEqual(Array.from(eb[0]!.indices), [0, 1, 2, 3]);
  assert.deepEqual(eb[1]!.lastInEpoch, true);
  const raw = ds.raw("test", 1).pixels;
  assert.deepEqual(Array.from(eb[0]!.x.subarray(90, 180)), Array.from(raw));
  for (const l of [a, b, ev]) l.close();
});

Deno.test("Loader: epoch() iterates the rest of an epoch; prefetch overlaps awaited work; stats", async () => {
  const ds = await openDataset({
    kind: "pathfinder",
    size: 64,
    trainSize: 40,
    testSize: 8,
    seed: 2,
  });
  const loader = new Loader(ds, { split: "train", batchSize: 8, seed: 1 });
  let n = 0;
  for await (const b of loader.epoch()) {
    assert.equal(b.x.length, 8 * 64 * 64);
    assert.equal(b.h * b.w * b.c, 64 * 64);
    n++;
    await new Promise((r) => setTimeout(r, 5)); // "the training step", awaiting a device
  }
  assert.equal(n, 5);
  assert.equal(loader.state().epoch, 1);
  const s = loader.stats();
  assert.equal(s.batches, 5);
  assert.equal(s.samples, 40);
  assert.ok(s.produceMs > 0);
  // Batches 2..5 were built during the awaits, so the caller waited less than the build time.
  assert.ok(s.waitMs < s.produceMs, `waited ${s.waitMs} ms of ${s.produceMs} ms produce`);
  loader.close();
  assert.throws(
    () => new Loader(ds, { split: "test", batchSize: 9, dropLast: true }),
    /fewer than one batch/,
  );
  assert.throws(
    () =>
      new Loader(ds, {
        split: "train",
        batchSize: 8,
        state: { epoch: 0, cursor: 40, rngState: [1, 2, 3, 4] },
      }),
    /cursor 40 is outside \[0, 40\)/,
  );
});
