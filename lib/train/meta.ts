/**
 * What a run records about where it ran: git commit and dirty flag of the toolkit, Deno and tfjs
 * versions, backend, kernel threads, host. (Only meta.json: none of it enters run ids or results;
 * results do not depend on the thread count.)
 *
 * @module
 */
import { threadCount } from "../ops/mod.ts";
import { tf } from "../tf.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** git's output (null: it failed, e.g. not a checkout), or why it could not be run. */
type GitAnswer = { out: string | null } | { unavailable: string };

async function git(root: string, args: string[]): Promise<GitAnswer> {
  try {
    const r = await new Deno.Command("git", {
      args: ["-C", root, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return { out: r.success ? new TextDecoder().decode(r.stdout).trim() : null };
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return { unavailable: "no --allow-run" };
    }
    if (e instanceof Deno.errors.NotFound) return { unavailable: "git not found" };
    return { unavailable: (e as Error).message };
  }
}

/**
 * Folders of the checkout that hold run outputs, not code: changes there (the sweep a run belongs
 * to, other runs) do not make the toolkit dirty.
 */
const OUTPUT_DIRS = ["experiments", "runs"];

/**
 * The toolkit's git commit and whether its code has uncommitted changes (tracked or untracked
 * files outside {@link OUTPUT_DIRS}); null outside git; commit `unknown (no --allow-run)` (or
 * `unknown (git not found)`) when git could not be run.
 */
export async function gitInfo(
  root: string = ROOT,
): Promise<{ commit: string | null; dirty: boolean | null }> {
  const head = await git(root, ["rev-parse", "HEAD"]);
  if ("unavailable" in head) return { commit: `unknown (${head.unavailable})`, dirty: null };
  const commit = head.out;
  if (commit === null) return { commit: null, dirty: null };
  const status = await git(root, [
    "status",
    "--porcelain",
    "--",
    ".",
    ...OUTPUT_DIRS.map((d) => `:(exclude)${d}`),
  ]);
  const changes = "out" in status ? status.out : null;
  return { commit, dirty: changes === null ? null : changes.length > 0 };
}

/** Warns on stderr for each provenance field that a missing permission left unknown. */
function warnUnknown(fields: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value?.startsWith("unknown (")) {
      console.warn(`slak: warning: meta.json ${name} is ${value}`);
    }
  }
}

/** Versions, backend, kernel threads and host for meta.json. */
export async function environmentInfo(): Promise<Record<string, unknown>> {
  let hostname = "unknown";
  try {
    hostname = Deno.hostname();
  } catch {
    hostname = "unknown (no --allow-sys)";
  }
  const git = await gitInfo();
  warnUnknown({ "git commit": git.commit, hostname });
  return {
    git,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    threads: threadCount(),
    host: {
      hostname,
      os: Deno.build.os,
      arch: Deno.build.arch,
      cpus: navigator.hardwareConcurrency,
    },
  };
}
