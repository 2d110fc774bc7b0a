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

const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** Runs environmentInfo() in a child `deno run -A <denyFlags>` and returns its JSON and stderr. */
// deno-lint-ignore no-explicit-any
async function envInfoWith(denyFlags: string[]): Promise<{ info: any; stderr: string }> {
  const meta = new URL("../../lib/train/meta.ts", import.meta.url).href;
  const code = `import { environmentInfo } from ${JSON.stringify(meta)};\n` +
    "console.log(JSON.stringify(await environmentInfo()));\n";
  const dir = await Deno.makeTempDir({ prefix: "slak-meta-" });
  let r: Deno.CommandOutput;
  try {
    await Deno.writeTextFile(`${dir}/probe.ts`, code);
    r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...denyFlags, "--config", CONFIG, `${dir}/probe.ts`],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const dec = new TextDecoder();
  const stderr = dec.decode(r.stderr);
  assert.equal(r.code, 0, stderr);
  return { info: JSON.parse(dec.decode(r.stdout)), stderr };
}

Deno.test("environmentInfo() without --allow-run / --allow-sys records 'unknown (...)' and warns", async () => {
  const denied = await envInfoWith(["--deny-run", "--deny-sys=hostname"]);
  assert.deepEqual(denied.info.git, { commit: "unknown (no --allow-run)", dirty: null });
  assert.equal(denied.info.host.hostname, "unknown (no --allow-sys)");
  assert.match(denied.stderr, /slak: warning: meta\.json git commit is unknown \(no --allow-run\)/);
  assert.match(denied.stderr, /slak: warning: meta\.json hostname is unknown \(no --allow-sys\)/);
  // With the permissions: the checkout's commit (or null outside git), no warning.
  const allowed = await envInfoWith([]);
  assert.ok(allowed.info.git.commit === null || /^[0-9a-f]{40}$/.test(allowed.info.git.commit));
  assert.equal(allowed.info.host.hostname, Deno.hostname());
  assert.doesNotMatch(allowed.stderr, /slak: warning/);
});
