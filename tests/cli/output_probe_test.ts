// `slak infer` and `slak erf` check that their output can be written before loading weights and
// computing: an unwritable folder fails at once (no backend line, nothing computed) with one line
// naming the output path and exit code 73.
import assert from "node:assert/strict";
import { EXIT } from "../../lib/util/errors.ts";
import { ownLines, runCli, snapshot } from "./_run.ts";

const FX = new URL("../fixtures/official/slak_decomposed/", import.meta.url).pathname;
const isRoot = Deno.uid() === 0;

/** Runs `fn` with an empty output folder and the fixture's model config (in another folder). */
async function withDir(fn: (dir: string, model: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "slak-probe-cli-" });
  const aux = await Deno.makeTempDir({ prefix: "slak-probe-cfg-" });
  try {
    const model = `${aux}/model.json`;
    const fixture = JSON.parse(await Deno.readTextFile(`${FX}fixture.json`));
    await Deno.writeTextFile(model, JSON.stringify(fixture.model));
    await fn(dir, model);
  } finally {
    await Deno.chmod(dir, 0o755);
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(aux, { recursive: true });
  }
}

function expectRefused(r: { code: number; stderr: string }, path: string): void {
  assert.equal(r.code, EXIT.cantCreate, r.stderr);
  const lines = ownLines(r.stderr);
  // One line: the backend was never selected, so nothing was computed.
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  const line = lines[0]!; // exactly one, asserted just above
  assert.ok(line.startsWith(`slak: error: Cannot write ${path}:`), line);
}

function inferArgs(out: string, model: string): string[] {
  return [
    "infer",
    "slak_tiny",
    "--config",
    model,
    "--weights",
    `${FX}model.safetensors`,
    "--input",
    `${FX}input.npy`,
    "--out",
    out,
    "--backend",
    "cpu",
  ];
}

function erfArgs(out: string, model: string): string[] {
  return [
    "erf",
    "slak_nano",
    "--config",
    model,
    "--input",
    `${FX}input.npy`,
    "--out",
    out,
    "--backend",
    "cpu",
  ];
}

Deno.test("slak infer: an unwritable output folder fails before computing, naming the path", async () => {
  await withDir(async (dir, model) => {
    const out = `${dir}/y.npy`;
    expectRefused(await runCli(inferArgs(out, model), {}, [`--deny-write=${dir}`]), out);
    assert.deepEqual(snapshot(dir), []);
  });
});

Deno.test("slak erf: an unwritable output folder fails before computing, naming the path", async () => {
  await withDir(async (dir, model) => {
    const out = `${dir}/erf/nested`;
    expectRefused(await runCli(erfArgs(out, model), {}, [`--deny-write=${dir}`]), out);
    assert.deepEqual(snapshot(dir), []);
    const cmp = await runCli(["erf", "--compare", `${dir}/a`, "--out", out], {}, [
      `--deny-write=${dir}`,
    ]);
    expectRefused(cmp, out);
  });
});

Deno.test({
  name: "slak infer: a read-only (chmod 555) output folder fails before computing",
  ignore: isRoot, // root writes through chmod; the --deny-write tests above cover root
  fn: async () => {
    await withDir(async (dir, model) => {
      await Deno.chmod(dir, 0o555);
      const out = `${dir}/y.npy`;
      const r = await runCli(inferArgs(out, model));
      expectRefused(r, out);
      assert.match(r.stderr, /permission denied \(EACCES\)/);
    });
  },
});
