import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { runCli } from "../cli/_run.ts";
import { BUILTIN_SPECS } from "../../lib/experiments/builtin_specs.ts";
import { builtinSpecNames, loadSpec, SPEC_DIR } from "../../lib/experiments/spec.ts";
import { builtinNamesIn, readBuiltinSpec } from "../../lib/experiments/spec_source.ts";
import {
  readSpecTexts,
  REGENERATE,
  renderBuiltinSpecs,
  staleSpecs,
} from "../../tools/embed_specs.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NOWHERE = new URL("https://example.invalid/slak/configs/ablations/");

Deno.test("lib/experiments/builtin_specs.ts holds the current configs/ablations/*.yaml", () => {
  const stale = staleSpecs(readSpecTexts(), BUILTIN_SPECS);
  assert.deepEqual(
    stale,
    [],
    `lib/experiments/builtin_specs.ts is stale for ${stale.join(", ")}; regenerate it with: ` +
      REGENERATE,
  );
});

Deno.test("staleSpecs() names changed, missing and extra specs", () => {
  const files = [{ name: "a", text: "x: 1\n" }, { name: "b", text: "y: 2\n" }];
  assert.deepEqual(staleSpecs(files, { a: "x: 1\n", b: "y: 2\n" }), []);
  assert.deepEqual(staleSpecs(files, { a: "x: 1\n", b: "y: 3\n" }), ["b"]);
  assert.deepEqual(staleSpecs(files, { a: "x: 1\n" }), ["b"]);
  assert.deepEqual(staleSpecs(files, { a: "x: 1\n", b: "y: 2\n", c: "" }), ["c"]);
});

Deno.test("renderBuiltinSpecs() output evaluates to the same texts (quotes, newlines, unicode)", async () => {
  const specs = [
    { name: "q", text: 'a: "it\'s"\nb: `tick` ${x} \\ back\n' },
    { name: "u", text: "title: Kärkkäinen × 51×51 – ok\n" },
  ];
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/m.ts`;
    Deno.writeTextFileSync(file, renderBuiltinSpecs(specs));
    const mod = await import(new URL(`file://${file}`).href);
    assert.deepEqual(mod.BUILTIN_SPECS, { q: specs[0]!.text, u: specs[1]!.text });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("built-in specs come from the embedded copy when the folder is not a local one", async () => {
  assert.deepEqual(builtinNamesIn(NOWHERE), builtinSpecNames());
  assert.ok(builtinSpecNames().includes("kernel-scaling"));
  for (const name of builtinSpecNames()) {
    const embedded = await readBuiltinSpec(NOWHERE, name);
    const local = await readBuiltinSpec(SPEC_DIR, name);
    assert.match(embedded.path, /^https:\/\/example\.invalid\/.*\.yaml \(built in\)$/);
    assert.equal(local.path, `${fileURLToPath(SPEC_DIR)}${name}.yaml`);
    assert.deepEqual(embedded.value, local.value);
    assert.deepEqual(local.value, parseYaml(Deno.readTextFileSync(local.path)));
  }
});

Deno.test("a readable local folder wins over the embedded copy", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/only-here.yaml`, "name: only-here\n");
    Deno.writeTextFileSync(`${dir}/notes.txt`, "not a spec\n");
    const url = new URL(`file://${dir}/`);
    assert.deepEqual(builtinNamesIn(url), ["only-here"]);
    assert.deepEqual((await readBuiltinSpec(url, "only-here")).value, { name: "only-here" });
    // A missing folder falls back to the embedded names.
    const gone = new URL(`file://${dir}/missing/`);
    assert.deepEqual(builtinNamesIn(gone), Object.keys(BUILTIN_SPECS).sort());
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadSpec() by name still reads the checkout's file", async () => {
  const { spec, path } = await loadSpec("kernel-scaling");
  assert.equal(spec.name, "kernel-scaling");
  assert.equal(path, `${ROOT}configs/ablations/kernel-scaling.yaml`);
});

/** Serves the checkout over HTTP on a free local port until `close()`. */
function serveCheckout(): { origin: string; close: () => Promise<void> } {
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    async (req) => {
      const rel = decodeURIComponent(new URL(req.url).pathname).replace(/^\/+/, "");
      if (rel.includes("..")) return new Response("no", { status: 403 });
      try {
        const body = await Deno.readFile(`${ROOT}${rel}`);
        return new Response(body, { headers: { "content-type": "application/typescript" } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const addr = server.addr as Deno.NetAddr;
  return {
    origin: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

Deno.test("the CLI run from a URL lists and expands the built-in ablations", async () => {
  const srv = serveCheckout();
  const cwd = Deno.makeTempDirSync();
  try {
    const run = async (args: string[]) => {
      const r = await new Deno.Command(Deno.execPath(), {
        // --no-lock: the checkout's deno.lock must not record the test's localhost URLs.
        args: [
          "run",
          "-A",
          "--no-lock",
          `--reload=${srv.origin}`,
          "--config",
          `${ROOT}deno.json`,
          `${srv.origin}/cli/main.ts`,
          ...args,
        ],
        cwd,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
    };
    const list = await run(["ablate", "--list"]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, new RegExp(`ablations: ${builtinSpecNames().join(", ")}`));
    const plan = await run(["ablate", "kernel-scaling", "--list", "--json"]);
    assert.equal(plan.code, 0, plan.err);
    // The same plan as from the checkout, run by path.
    const local = await runCli(["ablate", "kernel-scaling", "--list", "--json"]);
    assert.equal(local.code, 0, local.stderr);
    assert.ok(JSON.parse(plan.out).length > 0);
    assert.deepEqual(JSON.parse(plan.out), JSON.parse(local.stdout));
  } finally {
    await srv.close();
    Deno.removeSync(cwd, { recursive: true });
  }
});
