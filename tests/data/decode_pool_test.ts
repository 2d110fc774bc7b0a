import assert from "node:assert/strict";
import { resolveDataConfig } from "../../lib/data/config.ts";
import type { ImageFolderConfig } from "../../lib/data/config_types.ts";
import { dataWorkersFromEnv } from "../../lib/data/decode_pool.ts";
import { openImageFolder } from "../../lib/data/image_folder.ts";
import { Loader } from "../../lib/data/loader.ts";
import type { Dataset } from "../../lib/data/types.ts";
import { DataError } from "../../lib/util/errors.ts";
import { tempDir, writeImageFolderFixture } from "./_fixtures.ts";

async function open(dir: string, paper: boolean, workers: number): Promise<Dataset> {
  const c = resolveDataConfig({
    kind: "imagefolder",
    path: dir,
    size: 8,
    ...(paper ? { trainTransform: { kind: "paper" } } : {}),
  });
  return await openImageFolder(c as ImageFolderConfig, c.normalize, workers);
}

async function batches(ds: Dataset, split: "train" | "test", n: number): Promise<Float32Array[]> {
  const loader = new Loader(ds, { split, batchSize: 2, seed: 5 });
  const out: Float32Array[] = [];
  try {
    for (let i = 0; i < n; i++) out.push((await loader.next()).x);
  } finally {
    loader.close();
  }
  return out;
}

Deno.test("worker-decoded batches equal in-thread ones (basic and paper, train and test)", async () => {
  const dir = await tempDir();
  try {
    await writeImageFolderFixture(dir);
    for (const paper of [false, true]) {
      const inThread = await open(dir, paper, 0);
      const pooled = await open(dir, paper, 2);
      assert.equal(inThread.prefetch !== undefined, true);
      try {
        for (const split of ["train", "test"] as const) {
          const a = await batches(inThread, split, 4);
          const b = await batches(pooled, split, 4);
          assert.deepEqual(b, a, `paper=${paper} ${split}`);
        }
      } finally {
        pooled.close?.();
        inThread.close?.();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a corrupt image decoded in a worker is a DataError naming the file", async () => {
  const dir = await tempDir();
  try {
    await writeImageFolderFixture(dir);
    await Deno.writeFile(`${dir}/train/dog/img0.jpg`, Uint8Array.of(0xff, 0xd8, 0xff, 0, 1, 2));
    const ds = await open(dir, true, 1);
    try {
      await assert.rejects(
        () => batches(ds, "train", 3),
        (e: unknown) => e instanceof DataError && /img0\.jpg: cannot decode JPEG/.test(e.message),
      );
    } finally {
      ds.close?.();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SLAK_DATA_WORKERS: unset is 0, a count is read, junk is a DataError", () => {
  const old = Deno.env.get("SLAK_DATA_WORKERS");
  try {
    Deno.env.delete("SLAK_DATA_WORKERS");
    assert.equal(dataWorkersFromEnv(), 0);
    Deno.env.set("SLAK_DATA_WORKERS", "3");
    assert.equal(dataWorkersFromEnv(), 3);
    Deno.env.set("SLAK_DATA_WORKERS", "many");
    assert.throws(() => dataWorkersFromEnv(), DataError);
  } finally {
    if (old === undefined) Deno.env.delete("SLAK_DATA_WORKERS");
    else Deno.env.set("SLAK_DATA_WORKERS", old);
  }
});
