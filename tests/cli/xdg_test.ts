// A backend-selecting command gives Mesa a private XDG_RUNTIME_DIR when none is set, and removes
// it when the process ends (success or error), also on the webgpu backend.
import assert from "node:assert/strict";
import { EXIT } from "../../lib/util/errors.ts";
import { requireWebGpu } from "../_webgpu.ts";
import { TINY } from "../experiments/_helpers.ts";
import { type CliResult, runCli } from "./_run.ts";

const FX = new URL("../fixtures/official/slak_decomposed/", import.meta.url).pathname;

/**
 * Runs slak with TMPDIR = a fresh folder and no XDG_RUNTIME_DIR; `args` gets that folder. Returns
 * the result and the slak-xdg-* folders left in it.
 */
async function run(
  args: (tmp: string) => string[],
  denoFlags: (tmp: string) => string[] = () => [],
): Promise<{ r: CliResult; left: string[] }> {
  const tmp = await Deno.makeTempDir({ prefix: "slak-xdg-test-" });
  try {
    const r = await runCli(args(tmp), { TMPDIR: tmp, XDG_RUNTIME_DIR: "" }, denoFlags(tmp));
    assert.match(r.stderr, /backend: (cpu|webgpu)/, "the backend was selected");
    const left = [...Deno.readDirSync(tmp)].map((e) => e.name).filter((n) =>
      n.startsWith("slak-xdg-")
    );
    return { r, left };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

function infer(backend: string): (tmp: string) => string[] {
  return (tmp) => {
    const fixture = JSON.parse(Deno.readTextFileSync(`${FX}fixture.json`));
    Deno.writeTextFileSync(`${tmp}/model.json`, JSON.stringify(fixture.model));
    return [
      "infer",
      "slak_tiny",
      "--config",
      `${tmp}/model.json`,
      "--weights",
      `${FX}model.safetensors`,
      "--input",
      `${FX}input.npy`,
      "--out",
      `${tmp}/y.npy`,
      "--backend",
      backend,
    ];
  };
}

Deno.test("slak infer removes its XDG_RUNTIME_DIR folder at exit", async () => {
  const { r, left } = await run(infer("cpu"));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(left, []);
});

Deno.test("slak ablate removes its XDG_RUNTIME_DIR folder when it fails after the backend", async () => {
  const list = await runCli(["ablate", TINY, "--list", "--json"]);
  assert.equal(list.code, 0, list.stderr);
  const first = JSON.parse(list.stdout)[0].id as string;
  // The first run's folder may not be written: the sweep stops after selecting the backend.
  const { r, left } = await run(
    (tmp) => ["ablate", TINY, "--backend", "cpu", "--out", `${tmp}/sweep`],
    (tmp) => [`--deny-write=${tmp}/sweep/runs/${first}`],
  );
  assert.equal(r.code, EXIT.cantCreate, r.stderr);
  assert.deepEqual(left, []);
});

Deno.test({
  name: "slak infer --backend webgpu works and removes its XDG_RUNTIME_DIR folder",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    if (!(await requireWebGpu(t.name))) return;
    const { r, left } = await run(infer("webgpu"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backend: webgpu/);
    assert.deepEqual(left, []);
  },
});
