/** Runs the CLI in a subprocess (as a user would) and captures its output. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

/** `deno run -A --unstable-webgpu cli/main.ts ...args` with NO_COLOR set. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-webgpu", MAIN, ...args],
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
