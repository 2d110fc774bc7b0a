// Every command that takes --backend builds it from the one factory in cli/_common.ts: the same
// choices everywhere, default auto except where the default comes from elsewhere (ablate).
import assert from "node:assert/strict";
import { ablateCommand } from "../../cli/ablate.ts";
import { benchCommand } from "../../cli/bench.ts";
import { erfCommand } from "../../cli/erf.ts";
import { evalCommand } from "../../cli/eval.ts";
import { inferCommand } from "../../cli/infer.ts";
import { reparamCommand } from "../../cli/reparam.ts";
import { trainCommand } from "../../cli/train.ts";
import { BACKEND_CHOICES } from "../../cli/_common.ts";
import { runCli } from "./_run.ts";

/** What this test reads of a commander command (its name, options and subcommands). */
interface Command {
  name(): string;
  readonly options: readonly {
    long?: string | undefined;
    argChoices?: string[] | undefined;
    defaultValue?: unknown;
  }[];
  readonly commands: readonly Command[];
}

function backendOf(c: Command) {
  const o = c.options.find((o) => o.long === "--backend");
  assert.ok(o, `${c.name()} has --backend`);
  return { choices: o.argChoices, default: o.defaultValue as unknown };
}

Deno.test("every --backend offers cpu, webgpu, auto (default auto, ablate: the scale's)", () => {
  const bench = benchCommand() as unknown as Command;
  const commands: [Command, unknown][] = [
    [inferCommand() as unknown as Command, "auto"],
    [erfCommand() as unknown as Command, "auto"],
    [evalCommand() as unknown as Command, "auto"],
    [reparamCommand() as unknown as Command, "auto"],
    [trainCommand() as unknown as Command, "auto"],
    [ablateCommand() as unknown as Command, undefined],
    // `bench threads` times the cpu backend's WASM kernels only: it has no --backend
    ...bench.commands.filter((c) => c.name() !== "threads").map((
      c,
    ): [Command, unknown] => [c, "auto"]),
  ];
  assert.deepEqual(bench.commands.map((c) => c.name()).sort(), [
    "infer",
    "kernels",
    "threads",
    "train",
  ]);
  assert.deepEqual([...BACKEND_CHOICES], ["cpu", "webgpu", "auto"]);
  for (const [c, dflt] of commands) {
    const b = backendOf(c);
    assert.deepEqual(b.choices, [...BACKEND_CHOICES], `${c.name()} --backend choices`);
    assert.equal(b.default, dflt, `${c.name()} --backend default`);
  }
});

Deno.test("slak ablate --backend tpu is a usage error (64) in one line", async () => {
  const r = await runCli(["ablate", "x", "--backend", "tpu", "--list"]);
  assert.equal(r.code, 64, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.trim());
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /--backend.*'tpu'.*cpu, webgpu, auto/);
});
