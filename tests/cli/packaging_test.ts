// Packaging metadata agrees with itself: deno.json's publish fields, LICENSE, CITATION.cff and the
// CLI's --version.
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { VERSION } from "../../cli/main.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (f: string) => Deno.readTextFileSync(`${ROOT}${f}`);

Deno.test("deno.json has the fields `deno publish` needs, and its version is the CLI's", () => {
  const cfg = JSON.parse(read("deno.json"));
  assert.match(cfg.name, /^@[a-z0-9-]+\/[a-z0-9-]+$/);
  assert.equal(cfg.version, VERSION);
  assert.equal(cfg.license, "MIT");
  assert.deepEqual(Object.keys(cfg.exports).sort(), [".", "./cli", "./tf", "./web"]);
  for (const target of Object.values(cfg.exports) as string[]) {
    assert.ok(Deno.statSync(`${ROOT}${target}`).isFile, target);
  }
  for (const f of ["LICENSE", "CITATION.cff", "README.md", "web.ts", "lib/", "cli/", "configs/"]) {
    assert.ok(cfg.publish.include.includes(f), `publish.include lacks ${f}`);
  }
});

Deno.test("LICENSE is MIT, 2026, the slak authors", () => {
  const text = read("LICENSE");
  assert.match(text, /^MIT License\n\nCopyright \(c\) 2026 the slak authors\n/);
  assert.match(text, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
});

Deno.test("CITATION.cff cites the SLaK paper (preferred) and this toolkit at its version", () => {
  const cff = parseYaml(read("CITATION.cff"));
  assert.equal(cff["cff-version"], "1.2.0");
  assert.equal(cff.type, "software");
  assert.equal(cff.version, VERSION);
  assert.equal(cff.license, "MIT");
  const paper = cff["preferred-citation"];
  assert.equal(paper.type, "conference-paper");
  assert.equal(
    paper.title,
    "More ConvNets in the 2020s: Scaling up Kernels Beyond 51x51 using Sparsity",
  );
  assert.equal(paper.year, 2023);
  assert.deepEqual(
    paper.authors.map((a: { "family-names": string }) => a["family-names"]),
    [
      "Liu",
      "Chen",
      "Chen",
      "Chen",
      "Xiao",
      "Wu",
      "Kärkkäinen",
      "Pechenizkiy",
      "Mocanu",
      "Wang",
    ],
  );
  assert.match(paper.conference.name, /ICLR/);
});

Deno.test("deno publish --dry-run passes (no slow types, license found)", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, text.split("\n").filter((l) => !l.startsWith("   file")).join("\n"));
  assert.match(text, /Dry run complete/);
  assert.doesNotMatch(text, /error\[/);
  // Tests and sweep outputs stay out of the package.
  for (const dir of ["tests", "experiments", "node_modules"]) {
    assert.ok(!text.includes(`file://${ROOT}${dir}/`), `${dir}/ is in the package`);
  }
  assert.ok(text.includes(`file://${ROOT}LICENSE`), "LICENSE is in the package");
});
