import assert from "node:assert/strict";
import { builtinSpecNames } from "../../lib/experiments/spec.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string> },
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(cmd, { args, ...opts, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("`deno install -g` of the CLI from a local path runs from outside the checkout", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "slak-install-" });
  try {
    const root = `${tmp}/root`;
    const away = `${tmp}/elsewhere`;
    const denoBin = `${tmp}/deno-bin`;
    await Deno.mkdir(away);
    await Deno.mkdir(denoBin);
    // The installed shim calls `deno` by name: put this Deno first on PATH.
    await Deno.symlink(Deno.execPath(), `${denoBin}/deno`);
    const env = {
      NO_COLOR: "1",
      DENO_INSTALL_ROOT: root,
      PATH: `${root}/bin:${denoBin}:${Deno.env.get("PATH") ?? ""}`,
    };
    const inst = await run(Deno.execPath(), [
      "install",
      "-g",
      "-A",
      "--unstable-webgpu",
      "-n",
      "slak",
      "--config",
      `${ROOT}deno.json`,
      `${ROOT}cli/main.ts`,
    ], { cwd: away, env });
    assert.equal(inst.code, 0, inst.err);
    const shim = `${root}/bin/slak`;
    assert.ok((await Deno.stat(shim)).isFile);

    const help = await run(shim, ["--help"], { cwd: away, env });
    assert.equal(help.code, 0, help.err);
    assert.match(help.out, /^Usage: slak /);
    assert.match(help.out, /ablate/);

    const list = await run(shim, ["ablate", "--list"], { cwd: away, env });
    assert.equal(list.code, 0, list.err);
    assert.equal(list.out.trim(), `ablations: ${builtinSpecNames().join(", ")}`);

    const plan = await run(shim, ["ablate", "growth", "--list", "--json"], { cwd: away, env });
    assert.equal(plan.code, 0, plan.err);
    assert.ok((JSON.parse(plan.out) as unknown[]).length > 0);
    // Nothing written where it ran.
    assert.deepEqual([...Deno.readDirSync(away)], []);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
