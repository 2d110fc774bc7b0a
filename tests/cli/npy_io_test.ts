// The CLI's one .npy input reader and logits writer: missing files and folders are one-line
// DataErrors naming the path; a custom message replaces the default for a missing file.
import assert from "node:assert/strict";
import { encodeNpy, readNpy } from "../../lib/io/mod.ts";
import { DataError } from "../../lib/util/errors.ts";
import { readNpyInput, writeLogits } from "../../cli/_npy_io.ts";

async function rejectsData(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${e}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
}

Deno.test("readNpyInput() reads a file and names the path of a missing, folder or bad input", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-npy-io-" });
  try {
    const t = { dtype: "float32" as const, shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    await Deno.writeFile(`${dir}/x.npy`, encodeNpy(t));
    const got = await readNpyInput(`${dir}/x.npy`);
    assert.deepEqual(got.shape, [2, 3]);
    assert.deepEqual([...(got.data as Float32Array)], [1, 2, 3, 4, 5, 6]);
    await rejectsData(readNpyInput(`${dir}/nope.npy`), /^Input file not found: .*nope\.npy$/);
    await rejectsData(
      readNpyInput(`${dir}/nope.npy`, "--compare: nope.npy not found (run erf first)"),
      /^--compare: nope\.npy not found \(run erf first\)$/,
    );
    await rejectsData(readNpyInput(dir), /is a folder; give an \.npy file$/);
    await Deno.writeTextFile(`${dir}/bad.npy`, "not numpy");
    await rejectsData(readNpyInput(`${dir}/bad.npy`), /bad\.npy/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeLogits() writes an [n, classes] float32 .npy", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-npy-io-" });
  try {
    const logits = Float32Array.of(0.5, -1, 2, 3, 4, 5);
    await writeLogits(`${dir}/y.npy`, logits, 3, 2, { quiet: true });
    const y = readNpy(await Deno.readFile(`${dir}/y.npy`), "y.npy");
    assert.equal(y.dtype, "float32");
    assert.deepEqual(y.shape, [3, 2]);
    assert.deepEqual([...(y.data as Float32Array)], [...logits]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
