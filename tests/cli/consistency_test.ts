/**
 * One name per concept on every command: walks the commander program and fails when a command
 * spells a concept differently from the others (`--batch` next to `--batch-size`), checks the
 * hidden deprecated spellings, and that `--json` of every command that has it prints JSON and
 * nothing else on stdout.
 */
import assert from "node:assert/strict";
import { Command, type CommandUnknownOpts, type Option } from "commander";
import { encodeNpy } from "../../lib/io/mod.ts";
import { addDeprecatedAliases, DEPRECATED_FLAGS, deprecatedAliasOf } from "../../cli/_common.ts";
import { program } from "../../cli/main.ts";
import { UserError } from "../../lib/util/errors.ts";
import { positiveInt } from "../../cli/_common.ts";
import { ownLines, runCli } from "./_run.ts";

/** A concept the CLI names the same way everywhere. */
interface Concept {
  /** The one documented spelling. */
  canonical: string;
  /** Whether a value must follow it (`--out <dir>`) or it is a flag (`--json`). */
  takesValue: boolean;
  /** Spellings no visible option may use (older ones stay as hidden deprecated aliases). */
  wrong: readonly string[];
}

const CONCEPTS: Readonly<Record<string, Concept>> = {
  batchSize: {
    canonical: "--batch-size",
    takesValue: true,
    wrong: ["--batch", "--bs", "--batchsize", "--batch_size", "-b"],
  },
  inputSize: {
    canonical: "--input-size",
    takesValue: true,
    wrong: ["--size", "--img-size", "--image-size", "--resolution", "--input_size", "--res"],
  },
  smallInputSize: {
    canonical: "--small-input-size",
    takesValue: true,
    wrong: ["--small-size"],
  },
  out: {
    canonical: "--out",
    takesValue: true,
    wrong: ["--output", "-o", "--output-dir", "--out-dir", "--outdir", "--dest"],
  },
  weights: {
    canonical: "--weights",
    takesValue: true,
    wrong: ["--checkpoint", "--ckpt", "--weight", "--model-path", "--pretrained"],
  },
  json: { canonical: "--json", takesValue: false, wrong: ["--as-json", "--json-out"] },
  quiet: { canonical: "--quiet", takesValue: false, wrong: ["--silent", "-q"] },
  backend: { canonical: "--backend", takesValue: true, wrong: ["--device"] },
  threads: { canonical: "--threads", takesValue: true, wrong: ["--num-threads", "-j"] },
  seed: { canonical: "--seed", takesValue: true, wrong: ["--random-seed", "--rng-seed"] },
};

/** Every command of the program with its path (`bench infer`). */
function walk(cmd: CommandUnknownOpts, path: string[] = []): [string, CommandUnknownOpts][] {
  return [
    [path.join(" "), cmd],
    ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()])),
  ];
}

const flagsOf = (o: Option) => [o.long, o.short].filter((f): f is string => f !== undefined);
const commands = walk(program() as unknown as CommandUnknownOpts);

Deno.test("no visible option of any command uses a wrong spelling of a concept", () => {
  const bad: string[] = [];
  for (const [path, cmd] of commands) {
    for (const o of cmd.options.filter((o) => !o.hidden)) {
      for (const f of flagsOf(o)) {
        for (const c of Object.values(CONCEPTS)) {
          if (c.wrong.includes(f)) bad.push(`slak ${path}: ${f} (use ${c.canonical})`);
        }
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("a concept's canonical flag takes the same kind of value on every command", () => {
  const bad: string[] = [];
  for (const [path, cmd] of commands) {
    for (const c of Object.values(CONCEPTS)) {
      const o = cmd.options.find((o) => o.long === c.canonical && !o.hidden);
      if (o !== undefined && o.required !== c.takesValue) {
        bad.push(`slak ${path}: ${o.flags} (expected ${c.takesValue ? "a <value>" : "a flag"})`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("hidden options that are deprecated spellings stand for their concept's canonical", () => {
  let aliases = 0;
  for (const [path, cmd] of commands) {
    for (const o of cmd.options.filter((o) => o.hidden)) {
      const canonical = deprecatedAliasOf(o);
      if (canonical === null) continue; // an internal flag such as --worker
      aliases++;
      const concept = Object.values(CONCEPTS).find((c) => c.canonical === canonical);
      assert.ok(concept, `slak ${path}: ${o.long} → ${canonical}, a concept not in the table`);
      assert.ok(concept.wrong.includes(o.long!), `slak ${path}: ${o.long} is not a known spelling`);
      const target = cmd.options.find((t) => t.long === canonical && !t.hidden);
      assert.ok(target, `slak ${path}: ${o.long} stands for ${canonical}, which it lacks`);
      assert.equal(o.attributeName(), target.attributeName());
    }
  }
  assert.ok(aliases >= 8, `only ${aliases} deprecated aliases found`);
  for (const [old, canonical] of Object.entries(DEPRECATED_FLAGS)) {
    const concept = Object.values(CONCEPTS).find((c) => c.canonical === canonical);
    assert.ok(concept?.wrong.includes(old), `DEPRECATED_FLAGS: ${old} → ${canonical}`);
  }
});

Deno.test("every command that took an old spelling still accepts it, hidden", () => {
  const expected: [string, string][] = [
    ["bench kernels", "--batch"],
    ["bench infer", "--batch"],
    ["bench infer", "--size"],
    ["bench infer", "--small-size"],
    ["bench train", "--batch"],
    ["bench train", "--size"],
    ["erf", "--size"],
    ["infer", "--output"],
  ];
  for (const [path, old] of expected) {
    const cmd = commands.find(([p]) => p === path)?.[1];
    assert.ok(cmd, `no command slak ${path}`);
    const o = cmd.options.find((o) => o.long === old);
    assert.ok(o?.hidden && deprecatedAliasOf(o) !== null, `slak ${path} ${old}`);
    assert.ok(!cmd.helpInformation().includes(`${old} `), `slak ${path} --help shows ${old}`);
  }
});

Deno.test("a deprecated spelling parses into the canonical option with one warning", () => {
  const errors: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => errors.push(a.join(" "));
  try {
    const make = () => {
      const c = new Command("x")
        .option("--batch-size <n>", "images", positiveInt("--batch-size"), 4)
        .option("--input-size <px>", "pixels", positiveInt("--input-size"))
        .exitOverride()
        .action(() => {});
      addDeprecatedAliases(c as unknown as Parameters<typeof addDeprecatedAliases>[0]);
      return c;
    };
    const c = make();
    c.parse(["--batch", "3", "--size", "64"], { from: "user" });
    assert.deepEqual(c.opts(), { batchSize: 3, inputSize: 64 });
    assert.deepEqual(errors, [
      "slak: warning: --batch is deprecated, use --batch-size",
      "slak: warning: --size is deprecated, use --input-size",
    ]);
    errors.length = 0;
    const d = make();
    d.parse(["--batch-size", "5"], { from: "user" });
    assert.equal(d.opts().batchSize, 5);
    assert.deepEqual(errors, [], "the canonical spelling warns about nothing");
    assert.throws(() => make().parse(["--batch", "0"], { from: "user" }), UserError);
  } finally {
    console.error = error;
  }
});

Deno.test("slak infer --output still works: one warning line, then the canonical path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-alias-" });
  try {
    const r = await runCli([
      "infer",
      "--weights",
      `${dir}/missing.pth`,
      "--input",
      `${dir}/x.npy`,
      "--output",
      `${dir}/y.npy`,
    ]);
    const lines = ownLines(r.stderr);
    assert.equal(lines[0], "slak: warning: --output is deprecated, use --out");
    assert.equal(lines.filter((l) => l.includes("deprecated")).length, 1);
    assert.equal(r.code, 65, r.stderr); // the missing weights file: the flags were accepted
    assert.equal(r.stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Arguments that make each `--json` command run small and fast, in temp folder `dir`. */
type JsonRun = (dir: string) => string[] | Promise<string[]>;

const EVAL_FIXTURE = new URL("../fixtures/eval/", import.meta.url).pathname;
const TINY_SWEEP = new URL("../experiments/fixtures/tiny.yaml", import.meta.url).pathname;
const SMOKE = new URL("../../configs/train/smoke.yaml", import.meta.url).pathname;

const JSON_RUNS: Readonly<Record<string, JsonRun>> = {
  "models": () => ["models"],
  "count": () => ["count", "slak_nano", "--input-size", "64"],
  "ablate": () => ["ablate", TINY_SWEEP, "--list"],
  "eval": () => [
    "eval",
    "--weights",
    `${EVAL_FIXTURE}model.safetensors`,
    "--data",
    `kind=imagefolder,path=${EVAL_FIXTURE}imagefolder`,
    "--backend",
    "cpu",
  ],
  "erf": async (dir) => {
    const data = new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i));
    await Deno.writeFile(
      `${dir}/x.npy`,
      encodeNpy({ dtype: "float32", shape: [1, 3, 32, 32], data }),
    );
    return [
      "erf",
      "slak_nano",
      "--input",
      `${dir}/x.npy`,
      "--out",
      `${dir}/erf`,
      "--backend",
      "cpu",
    ];
  },
  "train": (dir) => [
    "train",
    "--config",
    SMOKE,
    ...[
      "data.trainSize=16",
      "data.testSize=8",
      "optimizer.batchSize=8",
      "schedule.epochs=1",
      "run.checkpointEverySteps=100",
    ].flatMap((s) => ["--set", s]),
    "--out",
    `${dir}/run`,
    "--backend",
    "cpu",
  ],
  "bench kernels": () => [
    "bench",
    "kernels",
    "--backend",
    "cpu",
    "--shapes",
    "7x7x1024-k13x5",
    "--batch-size",
    "1",
    "--rounds",
    "1",
  ],
  "bench infer": () => [
    "bench",
    "infer",
    "--backend",
    "cpu",
    "--scales",
    "small",
    "--small-input-size",
    "32",
    "--seconds",
    "0",
    "--iters",
    "1",
    "--no-torch",
  ],
  "bench train": () => [
    "bench",
    "train",
    "--backend",
    "cpu",
    "--model",
    "convnext_nano",
    "--batch-size",
    "1",
    "--input-size",
    "32",
    "--steps",
    "1",
    "--no-torch",
  ],
  "bench threads": () => ["bench", "threads", "--threads", "2", "--rounds", "1"],
};

Deno.test("every command with --json has a JSON run in this test", () => {
  const withJson = commands.filter(([, c]) => c.options.some((o) => o.long === "--json"))
    .map(([p]) => p).sort();
  assert.deepEqual(withJson, Object.keys(JSON_RUNS).sort());
});

for (const [path, args] of Object.entries(JSON_RUNS)) {
  Deno.test(`slak ${path} --json prints only JSON on stdout`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "slak-json-" });
    try {
      const r = await runCli([...await args(dir), "--json"]);
      assert.equal(r.code, 0, r.stderr);
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.stdout);
      } catch (e) {
        assert.fail(`stdout is not JSON (${(e as Error).message}):\n${r.stdout.slice(0, 400)}`);
      }
      assert.equal(typeof parsed, "object");
      assert.notEqual(parsed, null);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("slak ablate --list --json without a NAME prints the built-in names as JSON", async () => {
  const r = await runCli(["ablate", "--list", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const names = JSON.parse(r.stdout);
  assert.ok(Array.isArray(names) && names.includes("kernel-scaling"), r.stdout);
  const bad = await runCli(["ablate", "--json"]); // no NAME, no --list: a usage error
  assert.equal(bad.code, 64);
  assert.equal(bad.stdout, "", "with --json only JSON goes to stdout");
});

Deno.test("slak erf --compare --json prints the area ratios as JSON only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-json-" });
  try {
    for (const name of ["a", "b"]) {
      await Deno.mkdir(`${dir}/${name}`);
      const data = new Float32Array(16 * 16).map((_, i) => (name === "a" ? 1 : 1 + (i % 7)));
      await Deno.writeFile(
        `${dir}/${name}/erf.npy`,
        encodeNpy({ dtype: "float32", shape: [16, 16], data }),
      );
    }
    const r = await runCli([
      "erf",
      "--compare",
      `${dir}/a`,
      `${dir}/b`,
      "--out",
      `${dir}/c`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { erfs } = JSON.parse(r.stdout);
    assert.deepEqual(erfs.map((e: { model: string }) => e.model), ["a", "b"]);
    assert.equal(typeof erfs[0].areaRatio["0.2"], "number");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("slak bench infer --json FILE (deprecated) still writes FILE and prints the table", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-json-" });
  try {
    const r = await runCli([
      ...["bench", "infer", "--backend", "cpu", "--scales", "small", "--small-input-size", "32"],
      ...["--seconds", "0", "--iters", "1", "--no-torch", "--json", `${dir}/rows.json`],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      ownLines(r.stderr).includes("slak: warning: --json FILE is deprecated, use --json > FILE"),
    );
    assert.match(r.stdout, /dense unmerged/);
    const rows = JSON.parse(await Deno.readTextFile(`${dir}/rows.json`)).rows;
    assert.ok(rows.length >= 4, "one row per variant");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
