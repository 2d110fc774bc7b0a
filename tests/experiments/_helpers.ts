/** Shared helpers of the experiments tests. */
import { resolveTrainConfig } from "../../lib/train/mod.ts";
import type { Resolver } from "../../lib/experiments/mod.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const TINY = new URL("./fixtures/tiny.yaml", import.meta.url).pathname;

export const trainResolver: Resolver = (input, where, sets) =>
  resolveTrainConfig(input, where, sets) as unknown as Record<string, unknown>;

/** Starts `slak ARGS` as a subprocess (stdout/stderr piped). */
export function spawnSlak(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-webgpu", `${ROOT}cli/main.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs `slak ARGS` to completion. */
export async function runSlak(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await spawnSlak(args, env).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** Ids of finished runs in a sweep folder. */
export function finishedIds(dir: string): string[] {
  const ids: string[] = [];
  try {
    for (const e of Deno.readDirSync(`${dir}/runs`)) {
      try {
        Deno.statSync(`${dir}/runs/${e.name}/result.json`);
        ids.push(e.name);
      } catch { /* not done */ }
    }
  } catch { /* no runs yet */ }
  return ids.sort();
}

/** Copies a folder tree (shard folders merged into one). */
export function copyTree(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true });
  for (const e of Deno.readDirSync(from)) {
    const a = `${from}/${e.name}`, b = `${to}/${e.name}`;
    if (e.isDirectory) copyTree(a, b);
    else if (e.isFile) Deno.copyFileSync(a, b);
  }
}
