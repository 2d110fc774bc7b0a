// Environment errors (full disk, read-only folder, no permission) are one line naming the path
// with a sysexits code (73/74), never the internal-error path (exit 1); bad numbers are usage
// errors (64).
import assert from "node:assert/strict";
import { EnvironmentError, EXIT, UserError } from "../../lib/util/errors.ts";
import {
  describeFsError,
  isEnvironmentError,
  probeWritable,
  writeJsonAtomic,
} from "../../lib/util/fs.ts";
import { ownLines, runCli } from "./_run.ts";

/** An error shaped like the one Deno throws for a failed write. */
function osError(code: string, errno: number, op = ""): Error {
  return Object.assign(new Error(`Some text (os error ${errno})${op}`), { code });
}

Deno.test("describeFsError() maps each environment errno to one line with a sysexits code", () => {
  const cases: [string, number, RegExp, number][] = [
    ["ENOSPC", 28, /no space left on device \(ENOSPC\)/, EXIT.ioError],
    ["EDQUOT", 122, /disk quota exceeded \(EDQUOT\)/, EXIT.ioError],
    ["EROFS", 30, /read-only file system \(EROFS\)/, EXIT.cantCreate],
    ["EACCES", 13, /permission denied \(EACCES\)/, EXIT.cantCreate],
    ["EPERM", 1, /operation not permitted \(EPERM\)/, EXIT.cantCreate],
  ];
  for (const [code, errno, cause, exitCode] of cases) {
    const e = describeFsError(osError(code, errno), "out/y.npy");
    assert.ok(e instanceof EnvironmentError, code);
    assert.match(e.message, new RegExp(`^Cannot write out/y\\.npy: ${cause.source}$`));
    assert.equal(e.exitCode, exitCode);
    assert.equal(e.code, code);
    assert.equal(e.path, "out/y.npy");
    // Without a code the "(os error N)" of the message decides.
    assert.equal(describeFsError(new Error(`x (os error ${errno})`))?.code, code);
  }
  assert.equal(EXIT.cantCreate, 73);
  assert.equal(EXIT.ioError, 74);
});

Deno.test("describeFsError() takes the path and operation from Deno's message when not given", () => {
  const w = describeFsError(osError("ENOSPC", 28, ": mkdir '/data/sweep/runs'"));
  assert.equal(w?.message, "Cannot write /data/sweep/runs: no space left on device (ENOSPC)");
  const r = describeFsError(osError("EACCES", 13, ": readfile '/data/w.pth'"));
  assert.equal(r?.message, "Cannot read /data/w.pth: permission denied (EACCES)");
  const capable = Object.assign(
    new Error('Requires write access to "/ro/x.npy", run again with the --allow-write flag'),
    { name: "NotCapable" },
  );
  const c = describeFsError(capable);
  assert.equal(c?.path, "/ro/x.npy");
  assert.equal(c?.exitCode, EXIT.cantCreate);
});

Deno.test("describeFsError() leaves other errors alone", () => {
  assert.equal(describeFsError(new Deno.errors.NotFound("nope (os error 2)")), null);
  assert.equal(describeFsError(new Error("a bug")), null);
  assert.equal(describeFsError("a string"), null);
  assert.ok(!isEnvironmentError(new TypeError("x is undefined")));
  assert.ok(isEnvironmentError(osError("ENOSPC", 28)));
});

Deno.test({
  name: "writeJsonAtomic() and probeWritable() throw an EnvironmentError naming the path",
  // The folder is outside the allowed writes: unwritable even for root.
  permissions: { read: true, write: [Deno.env.get("TMPDIR") || "/tmp"], env: true },
  fn: async () => {
    const ro = await Deno.makeTempDir({ prefix: "slak-ro-" });
    try {
      // A folder this test may not write to (permissions deny it).
      const denied = "/var/slak-denied/out.json";
      await assert.rejects(
        writeJsonAtomic(denied, { a: 1 }),
        (e) => e instanceof EnvironmentError && e.path === denied && /Cannot write/.test(e.message),
      );
      assert.throws(
        () => probeWritable(denied),
        (e) => e instanceof EnvironmentError && e.message.startsWith(`Cannot write ${denied}:`),
      );
      // A writable folder passes, and the probe leaves nothing behind.
      probeWritable(`${ro}/new/sub/out.npy`);
      probeWritable(`${ro}/erf`, true);
      assert.deepEqual([...Deno.readDirSync(ro)], []);
    } finally {
      await Deno.remove(ro, { recursive: true });
    }
  },
});

Deno.test("probeWritable() refuses a file path that is a folder or lies under a file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-probe-" });
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    assert.throws(
      () => probeWritable(`${dir}/file/out.npy`),
      (e) => e instanceof UserError && /file is not a folder/.test(e.message),
    );
    assert.throws(
      () => probeWritable(dir),
      (e) => e instanceof UserError && /it is a folder; give a file name/.test(e.message),
    );
    probeWritable(dir, true); // as an output folder it is fine
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["file"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("slak: a write the environment refuses outside the atomic writers exits 73, one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-env-" });
  try {
    // savePlan's mkdir meets the denied folder.
    const r = await runCli(
      ["ablate", "kernel-efficiency", "--out", `${dir}/sweep`, "--quiet"],
      {},
      [`--deny-write=${dir}`],
    );
    assert.equal(r.code, EXIT.cantCreate, r.stderr);
    const lines = ownLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`slak: error: Cannot write ${dir}/sweep`));
    assert.doesNotMatch(r.stderr, /--debug/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("slak: a non-positive or non-integer count is a usage error (64), one line", async () => {
  const NEVER = `${Deno.env.get("TMPDIR") || "/tmp"}/slak-never-written`; // parsing fails first
  const cases: [string[], RegExp][] = [
    [["erf", "slak_nano", "--out", NEVER, "--images", "0"], /'--images' must be/],
    [["erf", "slak_nano", "--out", NEVER, "--seed", "abc"], /'--seed' must be/],
    [
      ["infer", "--weights", "w", "--input", "x", "--out", "y", "--images", "0"],
      /unknown option '--images'/, // infer takes no --images (erf does)
    ],
    [
      ["infer", "--weights", "w", "--input", "x", "--out", "y", "--batch-size", "0"],
      /'--batch-size' must be a positive integer, got "0"/,
    ],
    [["ablate", "kernel-efficiency", "--list", "--seeds", "1.5"], /'--seeds' must be/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, EXIT.usage, `${args.join(" ")}: ${r.stderr}`);
    const lines = ownLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, pattern);
  }
});
