import assert from "node:assert/strict";
import { gitInfo } from "../../lib/train/meta.ts";

async function sh(cwd: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command("git", {
    args: ["-c", "user.name=t", "-c", "user.email=t@t", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

Deno.test("gitInfo() ignores run outputs (experiments/, runs/) but not code changes", async () => {
  const root = await Deno.makeTempDir({ prefix: "slak-git-" });
  try {
    assert.deepEqual(await gitInfo(root), { commit: null, dirty: null });
    await sh(root, "init", "-q");
    await Deno.writeTextFile(`${root}/mod.ts`, "export const a = 1;\n");
    await sh(root, "add", "mod.ts");
    await sh(root, "commit", "-q", "-m", "init");
    const clean = await gitInfo(root);
    assert.match(clean.commit!, /^[0-9a-f]{40}$/);
    assert.equal(clean.dirty, false);
    // A sweep writing its runs inside the checkout leaves the code clean.
    await Deno.mkdir(`${root}/experiments/ks/small/runs/abc`, { recursive: true });
    await Deno.writeTextFile(`${root}/experiments/ks/small/runs/abc/metrics.jsonl`, "{}\n");
    await Deno.mkdir(`${root}/runs/smoke`, { recursive: true });
    await Deno.writeTextFile(`${root}/runs/smoke/result.json`, "{}\n");
    assert.equal((await gitInfo(root)).dirty, false);
    // An edited or new source file makes it dirty.
    await Deno.writeTextFile(`${root}/mod.ts`, "export const a = 2;\n");
    assert.equal((await gitInfo(root)).dirty, true);
    await sh(root, "checkout", "-q", "mod.ts");
    await Deno.writeTextFile(`${root}/new.ts`, "export {};\n");
    assert.equal((await gitInfo(root)).dirty, true);
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});
