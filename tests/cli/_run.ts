/** Runs the CLI in a subprocess (as a user would) and captures its output. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

/**
 * `deno run -A --unstable-webgpu [denoFlags] cli/main.ts ...args` with NO_COLOR set. `denoFlags`
 * such as `--deny-write=DIR` make a folder unwritable even for root.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  denoFlags: string[] = [],
): Promise<CliResult> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-webgpu", ...denoFlags, MAIN, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  });
  const r = await cmd.output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** The stderr lines that are the CLI's own (drops Mesa's loader chatter). */
export function ownLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.trim() && !l.includes("XDG_RUNTIME_DIR"));
}

/** Every file and folder under `dir` with its size and mtime, to show that nothing was written. */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      const st = Deno.statSync(p);
      out.push(`${p} ${st.size} ${st.mtime?.getTime()}`);
      if (e.isDirectory) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}
