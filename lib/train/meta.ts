/**
 * What a run records about where it ran: git commit and dirty flag of the toolkit, Deno and tfjs
 * versions, backend, host.
 *
 * @module
 */
import { tf } from "../tf.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

async function git(root: string, args: string[]): Promise<string | null> {
  try {
    const r = await new Deno.Command("git", {
      args: ["-C", root, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return r.success ? new TextDecoder().decode(r.stdout).trim() : null;
  } catch {
    return null;
  }
}

/**
 * Folders of the checkout that hold run outputs, not code: changes there (the sweep a run belongs
 * to, other runs) do not make the toolkit dirty.
 */
const OUTPUT_DIRS = ["experiments", "runs"];

/**
 * The toolkit's git commit and whether its code has uncommitted changes (tracked or untracked
 * files outside {@link OUTPUT_DIRS}); null outside git.
 */
export async function gitInfo(
  root = ROOT,
): Promise<{ commit: string | null; dirty: boolean | null }> {
  const commit = await git(root, ["rev-parse", "HEAD"]);
  if (commit === null) return { commit: null, dirty: null };
  const status = await git(root, [
    "status",
    "--porcelain",
    "--",
    ".",
    ...OUTPUT_DIRS.map((d) => `:(exclude)${d}`),
  ]);
  return { commit, dirty: status === null ? null : status.length > 0 };
}

/** Versions, backend and host for meta.json. */
export async function environmentInfo(): Promise<Record<string, unknown>> {
  let hostname = "unknown";
  try {
    hostname = Deno.hostname();
  } catch { /* no permission */ }
  return {
    git: await gitInfo(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    host: {
      hostname,
      os: Deno.build.os,
      arch: Deno.build.arch,
      cpus: navigator.hardwareConcurrency,
    },
  };
}
