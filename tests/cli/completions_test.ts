/**
 * `slak completions bash|zsh|fish`: the scripts name every command and every visible option of
 * the commander program (and no hidden one), are valid shell, and complete as a user expects.
 */
import assert from "node:assert/strict";
import { Command, type CommandUnknownOpts, Option } from "commander";
import { completionScript, SHELLS } from "../../cli/completions.ts";
import { program } from "../../cli/main.ts";
import { ownLines, runCli } from "./_run.ts";

const root = program() as unknown as CommandUnknownOpts;

/** Every command with its path, read straight from commander (not from the completion model). */
function walk(cmd: CommandUnknownOpts, path: string[] = []): [string, CommandUnknownOpts][] {
  return [[path.join(" "), cmd], ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}
const commands = walk(root);

/** The flags a command's completion must offer: visible options and -h/--help. */
function visibleFlags(cmd: CommandUnknownOpts): string[] {
  const flags = cmd.options.filter((o) => !o.hidden)
    .flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
  return [...flags, "-h", "--help"].sort();
}

function hiddenFlags(cmd: CommandUnknownOpts): string[] {
  return cmd.options.filter((o) => o.hidden).map((o) => o.long!);
}

/** The words of the `'PATH') printf '%s\n' '...'` row of shell function `fn`. */
function caseRow(script: string, fn: string, path: string): string[] | null {
  const body = script.slice(script.indexOf(`${fn}() {`));
  const end = body.indexOf("\n}");
  const row = body.slice(0, end).split("\n").find((l) => l.trim().startsWith(`'${path}')`));
  const m = row?.match(/printf '%s\\n' '([^']*)'/);
  return m ? m[1]!.split(" ").filter(Boolean).sort() : null;
}

function has(exe: string): boolean {
  try {
    return new Deno.Command(exe, { args: ["-c", "true"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function shell(exe: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(exe, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

for (const sh of ["bash", "zsh"] as const) {
  Deno.test(`${sh}: each command's row lists exactly its visible options and subcommands`, () => {
    const script = completionScript(root, sh);
    for (const [path, cmd] of commands) {
      assert.deepEqual(caseRow(script, "_slak_options", path), visibleFlags(cmd), `'${path}'`);
      for (const hidden of hiddenFlags(cmd)) {
        assert.ok(!caseRow(script, "_slak_options", path)!.includes(hidden), `${path} ${hidden}`);
      }
      if (cmd.commands.length > 0) {
        assert.deepEqual(
          caseRow(script, "_slak_commands", path),
          cmd.commands.map((c) => c.name()).sort(),
          `subcommands of '${path}'`,
        );
      }
    }
  });
}

Deno.test("fish: a completion line for every command and every visible option", () => {
  const script = completionScript(root, "fish");
  const at = (path: string) => `-n '__slak_at \\'${path}\\''`;
  for (const [path, cmd] of commands) {
    for (const sub of cmd.commands) {
      assert.ok(script.includes(`${at(path)} -a '${sub.name()}' -d `), `${path} → ${sub.name()}`);
    }
    const lines = script.split("\n").filter((l) => l.startsWith(`complete -c slak ${at(path)} -`));
    const flags = lines.flatMap((l) => [...l.matchAll(/ -([ls]) (\S+)/g)])
      .map((m) => (m[1] === "l" ? `--${m[2]}` : `-${m[2]}`));
    assert.deepEqual(flags.sort(), visibleFlags(cmd), `'${path}'`);
  }
  assert.ok(!script.includes("-l worker"), "a hidden option is offered");
});

Deno.test("bash: the script is valid (bash -n) and completes commands, options, values", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-compl-" });
  try {
    const file = `${dir}/slak.bash`;
    await Deno.writeTextFile(file, completionScript(root, "bash"));
    const syntax = await shell("bash", ["-n", file]);
    assert.equal(syntax.code, 0, syntax.out);
    const probe = [
      `source '${file}'`,
      't() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _slak;',
      '  echo "${COMPREPLY[*]}"; }',
      't slak bench ""',
      "t slak bench infer --backend ''",
      "t slak erf --out f --inp",
      "t slak bench train --ba",
      "t slak completions ''",
    ].join("\n");
    const r = await shell("bash", ["-c", probe]);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.out.trimEnd().split("\n"), [
      "kernels infer train threads",
      "cpu webgpu auto",
      "--input --input-size",
      "--backend --batch-size", // not the hidden --batch
      "bash zsh fish",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bash: the value of an option is not taken for a subcommand of the same name", async () => {
  // slak has no value-taking option next to subcommands today: a small program of that shape
  const tool = new Command("slak").option("--out <dir>", "folder")
    .addOption(new Option("--mode <m>", "mode").choices(["a", "b"]));
  tool.command("bench").option("--fast", "quick");
  tool.command("run").option("--slow", "thorough");
  const dir = await Deno.makeTempDir({ prefix: "slak-compl-" });
  try {
    const file = `${dir}/slak.bash`;
    await Deno.writeTextFile(file, completionScript(tool as unknown as CommandUnknownOpts, "bash"));
    const probe = [
      `source '${file}'`,
      't() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _slak;',
      '  echo "${COMPREPLY[*]}"; }',
      "t slak --out bench --",
      "t slak bench --",
      "t slak --mode a run --",
    ].join("\n");
    const r = await shell("bash", ["-c", probe]);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.out.trimEnd().split("\n"), [
      "--out --mode --help",
      "--fast --help",
      "--slow --help",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "zsh and fish: the scripts parse (zsh -n, fish -n) and fish completes",
  ignore: !has("zsh") || !has("fish"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "slak-compl-" });
    try {
      await Deno.writeTextFile(`${dir}/_slak`, completionScript(root, "zsh"));
      await Deno.writeTextFile(`${dir}/slak.fish`, completionScript(root, "fish"));
      const z = await shell("zsh", ["-n", `${dir}/_slak`]);
      assert.equal(z.code, 0, z.out);
      const f = await shell("fish", ["-n", `${dir}/slak.fish`]);
      assert.equal(f.code, 0, f.out);
      const c = await shell("fish", [
        "-c",
        `source '${dir}/slak.fish'; complete -C 'slak bench infer --backend '`,
      ]);
      assert.deepEqual(c.out.trim().split("\n").map((l) => l.split("\t")[0]).sort(), [
        "auto",
        "cpu",
        "webgpu",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("slak completions SHELL prints the generated script; an unknown shell is a usage error", async () => {
  for (const sh of SHELLS) {
    const r = await runCli(["completions", sh]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, completionScript(root, sh).trimEnd() + "\n");
  }
  const bad = await runCli(["completions", "tcsh"]);
  assert.equal(bad.code, 64);
  assert.match(ownLines(bad.stderr).join("\n"), /tcsh/);
});
