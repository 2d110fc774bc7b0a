/**
 * `deno task doc-lint`: runs `deno doc --lint` over the public API (mod.ts) and fails when any
 * problem is reported in this repository's own code. Problems that tfjs's or
 * zod's published type declarations have themselves (under node_modules/) are not ours to fix
 * and are only counted.
 *
 * @module
 */
const ENTRY_POINTS = ["mod.ts"];

const root = new URL("..", import.meta.url).pathname;
const out = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", ...ENTRY_POINTS],
  cwd: root,
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);

/** One reported problem: its header line and the location line that follows it. */
const problems: { header: string; location: string; body: string[] }[] = [];
let current: { header: string; location: string; body: string[] } | null = null;
for (const line of text.split("\n")) {
  if (/^error\[/.test(line)) {
    current = { header: line, location: "", body: [] };
    problems.push(current);
  } else if (current) {
    const m = /^\s*-->\s*(\S+)/.exec(line);
    if (m && current.location === "") current.location = m[1]!;
    else if (line.trim() !== "") current.body.push(line);
  }
}
const ours = problems.filter((p) => !p.location.includes("/node_modules/"));
for (const p of ours) {
  console.error(p.header);
  console.error(`  --> ${p.location.replace(root, "")}`);
  for (const l of p.body.slice(0, 6)) console.error(l);
}
const theirs = problems.length - ours.length;
console.error(
  `doc lint: ${ours.length} problem(s) in this repository's code, ` +
    `${theirs} in dependencies' declarations (not counted)`,
);
if (problems.length === 0 && !out.success) {
  console.error(text);
  Deno.exit(1);
}
Deno.exit(ours.length === 0 ? 0 : 1);
