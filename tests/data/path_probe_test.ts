// lib/util/stat.ts: exists() tells missing from present; existsSync/isFile/isDir answer false for
// what they cannot stat.
import assert from "node:assert/strict";
import { exists, existsSync, isDir, isFile } from "../../lib/util/stat.ts";
import { tempDir } from "./_fixtures.ts";

Deno.test("exists/existsSync/isFile/isDir tell files, folders and missing paths apart", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir}/f.txt`, "x");
    assert.equal(await exists(`${dir}/f.txt`), true);
    assert.equal(await exists(dir), true);
    assert.equal(await exists(`${dir}/nope`), false);
    assert.equal(existsSync(`${dir}/f.txt`), true);
    assert.equal(existsSync(`${dir}/nope`), false);
    assert.equal(existsSync(`${dir}/f.txt/below`), false);
    assert.equal(await isFile(`${dir}/f.txt`), true);
    assert.equal(await isFile(dir), false);
    assert.equal(await isFile(`${dir}/nope`), false);
    assert.equal(await isDir(dir), true);
    assert.equal(await isDir(`${dir}/f.txt`), false);
    assert.equal(await isDir(`${dir}/nope`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
