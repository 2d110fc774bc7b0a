// web.ts, the browser-safe entry point: its module graph touches no host-only API (Deno, node:
// built-ins, native addons) at import time (static audit, tools/host_audit.ts), and it imports and
// works in a process whose `globalThis.Deno` was deleted before the import: official weights
// loaded from bytes (.pth and .safetensors) give the official logits on the cpu backend, the
// large-kernel op matches tfjs's depthwise conv, and re-parameterised inference matches.
import assert from "node:assert/strict";
import { auditEntry, importTimeAccesses, scanSource } from "../tools/host_audit.ts";
import { type OpsRegistry, registerOps } from "../lib/ops/register_ops.ts";
import { SLAK_DEPTHWISE } from "../lib/ops/large_depthwise/kernel_names.ts";

const ROOT = new URL("../", import.meta.url);

Deno.test("host audit: scanSource tells import-time from in-function accesses", () => {
  const src = [
    "type P = Deno.lint.Plugin;", // 1 type position: not an access
    "const home = Deno.env.get('HOME');", // 2 import time
    "export function read() { return Deno.readFileSync('x'); }", // 3 in a function
    "class C { static pid = Deno.pid; own = Deno.args; }", // 4 static: import; instance: lazy
    "export const dir = import.meta.dirname;", // 5 import time
    "const hasDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;", // 6 import time
    "const o = { Deno: 1 };", // 7 an object key: not an access
    "export const f = () => Deno.cwd();", // 8 in a function
  ].join("\n");
  const got = scanSource("t.ts", src).map((a) => `${a.line} ${a.what} ${a.importTime}`);
  assert.deepEqual(got, [
    "2 Deno.env true",
    "3 Deno.readFileSync false",
    "4 Deno.pid true",
    "4 Deno.args false",
    "5 import.meta.dirname true",
    "6 globalThis.Deno true",
    "8 Deno.cwd false",
  ]);
});

Deno.test("web.ts: no module it imports touches Deno/node/native addons at import time", async () => {
  const webAudit = await auditEntry("web.ts");
  assert.deepEqual(importTimeAccesses(webAudit), []);
  // The scan did run over the graph: models and ops are in it, and the thread pool's lazy
  // Deno.env access (inside a function) was seen.
  assert.ok(webAudit.moduleCount > 50, `only ${webAudit.moduleCount} modules`);
  const pool = webAudit.modules.find((m) => m.path === "lib/ops/_threads/pool.ts");
  assert.ok(pool?.accesses.some((a) => a.what === "Deno.env" && !a.importTime));
  // No file-system helpers, training, data sets or plots.
  for (const m of webAudit.modules) {
    assert.ok(!/^(lib\/(util\/fs|train|data|experiments)|cli)\b/.test(m.path), m.path);
  }
  assert.ok(!webAudit.npmPackages.some((p) => /resvg|jpeg|fast-png|commander/.test(p)));
});

Deno.test("registerOps installs the kernels into the tfjs registry it is given", () => {
  const kernels: string[] = [];
  const grads: string[] = [];
  const target = {
    getKernel: () => undefined,
    registerKernel: (c: { kernelName: string; backendName: string }) => {
      kernels.push(`${c.kernelName}/${c.backendName}`);
    },
    getGradient: () => undefined,
    registerGradient: (g: { kernelName: string }) => {
      grads.push(g.kernelName);
    },
  } as unknown as OpsRegistry;
  registerOps(["cpu"], target);
  assert.ok(kernels.includes(`${SLAK_DEPTHWISE}/cpu`), kernels.join());
  assert.ok(!kernels.some((k) => k.endsWith("/webgpu")));
  assert.ok(grads.includes(SLAK_DEPTHWISE));
});

/** Runs in the child: reads the fixtures, deletes Deno, imports web.ts and checks the model. */
const CHILD = `
const [webUrl, fixtureDir, npmJson] = Deno.args;
// Deno's Node compatibility layer needs globalThis.Deno to load npm packages, so the third-party
// npm packages of web.ts's graph (browser builds exist for each) are loaded first; every module
// of ours is then evaluated without Deno.
for (const spec of JSON.parse(npmJson)) await import(spec);
const read = (f) => Deno.readFile(fixtureDir + f);
const pth = await read("state_dict.pth");
const st = (await read("model.safetensors")).buffer; // an ArrayBuffer, as fetch() gives
const input = await read("input.npy");
const ref = await read("logits.npy");
const config = JSON.parse(new TextDecoder().decode(await read("fixture.json"))).model;
delete globalThis.Deno;
const denoBefore = typeof globalThis.Deno;
const web = await import(webUrl);
const { tf } = web;
await web.initBackend("cpu");
const relErr = (a, b) => {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
};
const expected = web.readNpy(ref, "logits.npy").data;
const x = web.readNpy(input, "input.npy");
const out = { denoBefore, denoAfter: typeof globalThis.Deno, backend: tf.getBackend() };
const model = web.buildModel(web.resolveModel(config, [], "fixture.json"), { zeros: true });
for (const [name, bytes] of [["state_dict.pth", pth], ["model.safetensors", st]]) {
  const w = web.readWeightsBytes(bytes, name);
  web.loadStateDict(model, w.state, name);
  out[name] = relErr(await web.predictNchw(model, x), expected);
}
const merged = await web.reparameterize(model, "one-kernel");
const nhwc = tf.transpose(tf.tensor(x.data, x.shape), [0, 2, 3, 1]);
out.merged = relErr(await web.forwardMerged(merged, nhwc).data(), expected);
const xs = tf.randomNormal([1, 12, 10, 5], 0, 1, "float32", 1);
const ws = tf.randomNormal([9, 9, 5, 1], 0, 1, "float32", 2);
const ours = await web.largeKernelDepthwiseConv2d(xs, ws).data();
const theirs = await tf.depthwiseConv2d(xs, ws, 1, "same").data();
out.op = relErr(ours, theirs);
console.log(JSON.stringify(out));
`;

Deno.test("web.ts imports and runs in a process without globalThis.Deno", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak_web_" });
  try {
    const script = `${dir}/child.mjs`;
    await Deno.writeTextFile(script, CHILD);
    const npm = (await auditEntry("web.ts")).npmPackages.map((id) => `npm:${id.split("_")[0]}`);
    const fixtureDir = new URL("tests/fixtures/official/slak_dense/", ROOT).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-check",
        "--config",
        new URL("deno.json", ROOT).pathname,
        script,
        new URL("web.ts", ROOT).href,
        fixtureDir,
        JSON.stringify(npm),
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `child failed:\n${stderr}${stdout}`);
    const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.equal(r.denoBefore, "undefined");
    assert.equal(r.denoAfter, "undefined");
    assert.equal(r.backend, "cpu");
    assert.ok(r["state_dict.pth"] < 1e-4, `pth: relative error ${r["state_dict.pth"]}`);
    assert.ok(
      r["model.safetensors"] < 1e-4,
      `safetensors: relative error ${r["model.safetensors"]}`,
    );
    assert.ok(r.merged < 1e-4, `re-parameterised: relative error ${r.merged}`);
    assert.ok(r.op < 1e-5, `large-kernel op vs tf.depthwiseConv2d: relative error ${r.op}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs the browser bundle with browser-like globals: no Deno, process or Buffer; a window. */
const BUNDLE_CHILD = `
delete globalThis.Deno;
for (const k of ["process", "Buffer", "global", "setImmediate", "clearImmediate"]) {
  delete globalThis[k];
}
globalThis.window = globalThis; // tfjs picks its browser platform from window.document
globalThis.document = {};
const web = await import("./web.js");
const { tf } = web;
await web.initBackend("cpu");
const config = web.resolveModelConfig("slak_nano", { overrides: { numClasses: 10 } });
const a = web.buildModel(config, { seed: 0 });
const b = web.buildModel(config, { seed: 1 });
const x = tf.randomNormal([1, 64, 64, 3], 0, 1, "float32", 3);
const before = await web.forward(b, x, { training: false }).data();
const bytes = web.encodeSafetensors(await web.exportStateDict(a), {});
web.loadStateDict(b, web.readWeightsBytes(bytes.buffer, "a.safetensors").state, "a.safetensors");
const ya = await web.forward(a, x, { training: false }).data();
const yb = await web.forward(b, x, { training: false }).data();
const maxDiff = (p, q) => Math.max(...p.map((v, i) => Math.abs(v - q[i])));
console.log(JSON.stringify({
  backend: tf.getBackend(),
  process: typeof process,
  length: ya.length,
  loadedDiff: maxDiff(ya, yb),
  seedDiff: maxDiff(ya, before),
}));
`;

Deno.test("a browser bundle of web.ts (deno bundle --platform browser) runs without Deno", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak_web_bundle_" });
  try {
    const bundled = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "browser", "-o", `${dir}/web.js`, "web.ts"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(bundled.code, 0, new TextDecoder().decode(bundled.stderr));
    const text = await Deno.readTextFile(`${dir}/web.js`);
    assert.ok(!/\bfrom\s*["']node:|\bimport\s*["']node:/.test(text), "bundle imports node:");
    await Deno.writeTextFile(`${dir}/child.mjs`, BUNDLE_CHILD);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-config", "--no-lock", `${dir}/child.mjs`],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, `bundle child failed:\n${new TextDecoder().decode(out.stderr)}`);
    const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.equal(r.backend, "cpu");
    assert.equal(r.process, "undefined");
    assert.equal(r.length, 10);
    assert.equal(r.loadedDiff, 0); // same weights (loaded from bytes), same input: same logits
    assert.ok(r.seedDiff > 0, "the two seeds gave the same logits: the load proved nothing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
