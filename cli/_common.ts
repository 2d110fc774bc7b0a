/**
 * CLI plumbing shared by the subcommands: stderr logging (honours --quiet and NO_COLOR), the
 * repeatable `--set` collector, backend selection with a report of the adapter, and text tables.
 *
 * @module
 */
import { Option } from "commander";
import { type BackendName, initBackendSelection, setThreadCount } from "../lib/ops/mod.ts";
import { tf } from "../lib/tf.ts";
import { UserError } from "../lib/util/errors.ts";

/** Flags every command understands. */
export interface CommonFlags {
  quiet?: boolean | undefined;
  debug?: boolean | undefined;
}

const useColor = !Deno.env.get("NO_COLOR") && Deno.stderr.isTerminal() &&
  Deno.env.get("TERM") !== "dumb";

/** Dims text on a colour terminal. */
export function dim(s: string): string {
  return useColor ? `\x1b[2m${s}\x1b[22m` : s;
}

/** Bold red on a colour terminal. */
export function red(s: string): string {
  return useColor ? `\x1b[1;31m${s}\x1b[0m` : s;
}

/** Writes one line to stderr unless --quiet. */
export function info(flags: CommonFlags, line: string): void {
  if (!flags.quiet) console.error(dim(line));
}

/** Writes data to stdout (tables, JSON). */
export function out(text: string): void {
  console.log(text);
}

/** commander collector for repeatable options (`--set a=1 --set b=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a positive integer flag; anything else is a usage error (64) naming the flag. */
export function positiveInt(flag: string): (v: string) => number {
  return (v: string) => {
    const n = v.trim() === "" ? NaN : Number(v);
    if (!Number.isInteger(n) || n < 1) {
      throw new UserError(`option '${flag}' must be a positive integer, got "${v}"`);
    }
    return n;
  };
}

/** Parses an integer flag (any sign); anything else is a usage error (64) naming the flag. */
export function integer(flag: string): (v: string) => number {
  return (v: string) => {
    const n = v.trim() === "" ? NaN : Number(v);
    if (!Number.isSafeInteger(n)) {
      throw new UserError(`option '${flag}' must be an integer, got "${v}"`);
    }
    return n;
  };
}

/**
 * Mesa's Vulkan loader complains on stderr when XDG_RUNTIME_DIR is unset (containers, CI); give it
 * a private folder so the complaint does not drown the CLI's own output. The folder lives until
 * the process ends (the `unload` event, also sent by `Deno.exit`) and is removed then.
 */
export function quietMesa(): void {
  if (Deno.env.get("XDG_RUNTIME_DIR")) return;
  const dir = Deno.makeTempDirSync({ prefix: "slak-xdg-" });
  Deno.env.set("XDG_RUNTIME_DIR", dir);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone */ }
  });
}

/** Information about the selected backend, for logs and run records. */
export interface BackendInfo {
  backend: "cpu" | "webgpu";
  adapter: string | null;
}

/**
 * Selects the backend (auto = webgpu on a hardware adapter, else cpu) and reports it on stderr in
 * one line; for auto the line says what was chosen and why.
 */
export async function selectBackend(name: BackendName, flags: CommonFlags): Promise<BackendInfo> {
  quietMesa();
  const { backend, autoChoice } = await initBackendSelection(name);
  let adapter: string | null = null;
  if (backend === "webgpu") {
    try {
      const a = await navigator.gpu.requestAdapter();
      const i = a?.info;
      adapter = i ? (i.description || `${i.vendor} ${i.device}`.trim()) : null;
    } catch {
      adapter = null;
    }
  }
  const choice = autoChoice ?? `backend: ${backend}${adapter ? ` (${adapter})` : ""}`;
  info(flags, `${choice} · tfjs ${tf.version_core}`);
  return { backend, adapter };
}

/** Renders rows as an aligned text table (first row = header; numbers right-aligned). */
export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const numeric = (s: string) => /^[-+]?[\d,.]+[%GMKx]?$/.test(s);
  const line = (r: readonly string[]) =>
    r.map((cell, c) => (numeric(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ").trimEnd();
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join("\n");
}

/** 28589128 → "28,589,128". */
export function commas(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** The values `--backend` accepts. */
export const BACKEND_CHOICES = ["cpu", "webgpu", "auto"] as const satisfies readonly BackendName[];

/**
 * `--backend <cpu|webgpu|auto>` without a default, for a command that takes the default from
 * elsewhere (its `description` says from where); a value outside the choices is a usage error.
 */
export function backendChoiceOption(description: string) {
  return new Option("--backend <name>", description).choices(BACKEND_CHOICES);
}

/** The `--backend <cpu|webgpu|auto>` option (default auto) of every compute command. */
export function backendOption() {
  return backendChoiceOption("compute backend").default("auto" as const);
}

/** Most threads `--threads` / SLAK_THREADS accept. */
const MAX_THREADS = 256;

/** The number of cores (at least 1). */
export function coreCount(): number {
  return Math.max(1, Math.floor(navigator.hardwareConcurrency) || 1);
}

/** The `--threads <n>` option of every compute command (threads of the cpu backend's kernels). */
export function threadsOption() {
  return new Option(
    "--threads <n>",
    "threads for the cpu backend's kernels (default: SLAK_THREADS, else the number of cores); " +
      "results do not depend on it",
  ).argParser((v: string) => {
    const n = positiveInt("--threads")(v);
    if (n > MAX_THREADS) {
      throw new UserError(`option '--threads' must be at most ${MAX_THREADS}, got "${v}"`);
    }
    return n;
  });
}

/** A thread count and where it came from. */
export interface ThreadChoice {
  /** Threads (≥ 1). */
  threads: number;
  /** `--threads`, `SLAK_THREADS` or how the default was found. */
  source: string;
}

/**
 * `--threads`, else SLAK_THREADS (a positive integer; anything else is a usage error), else
 * `fallback` (default: the number of cores).
 */
export function resolveThreads(
  flag: number | undefined,
  env: (key: string) => string | undefined,
  fallback: ThreadChoice = { threads: coreCount(), source: "the number of cores" },
): ThreadChoice {
  if (flag !== undefined) return { threads: flag, source: "--threads" };
  const v = env("SLAK_THREADS");
  if (v !== undefined && v.trim() !== "") {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
      throw new UserError(
        `SLAK_THREADS="${v}": expected an integer from 1 to ${MAX_THREADS} (threads)`,
      );
    }
    return { threads: n, source: "SLAK_THREADS" };
  }
  return fallback;
}

/** Resolves the thread count ({@link resolveThreads}) and makes the kernels use it. */
export function applyThreads(flag: number | undefined): ThreadChoice {
  const choice = resolveThreads(flag, (k) => Deno.env.get(k));
  setThreadCount(choice.threads);
  return choice;
}

/**
 * Old spellings of options → the canonical long flag (one name per concept on every command).
 * {@link addDeprecatedAliases} keeps each old spelling working, hidden, on every command that has
 * the canonical option.
 */
export const DEPRECATED_FLAGS: Readonly<Record<string, string>> = {
  "--batch": "--batch-size",
  "--size": "--input-size",
  "--small-size": "--small-input-size",
  "--output": "--out",
};

/** Hidden deprecated alias options → the canonical long flag each stands for. */
const DEPRECATED_ALIASES = new WeakMap<object, string>();

/** The parts of a commander command that {@link addDeprecatedAliases} reads and extends. */
export interface AliasTarget {
  readonly options: readonly Option[];
  readonly commands: readonly AliasTarget[];
  addOption(option: Option): unknown;
}

/**
 * Adds, on `cmd` and all its subcommands, a hidden option for each old spelling in
 * {@link DEPRECATED_FLAGS} whose canonical option the command has (and whose old spelling it does
 * not use itself): `--batch 8` then stores into `--batch-size` through that option's parser, after
 * one `slak: warning: --batch is deprecated, use --batch-size` line on stderr. Hidden aliases are
 * left out of the help and the shell completions; only value-taking options get aliases.
 */
export function addDeprecatedAliases(cmd: AliasTarget): void {
  for (const [old, canonical] of Object.entries(DEPRECATED_FLAGS)) {
    const target = cmd.options.find((o) => o.long === canonical);
    if (!target?.required || cmd.options.some((o) => o.long === old)) continue;
    const value = target.flags.slice(target.flags.indexOf(canonical) + canonical.length).trim();
    const alias = new Option(`${old} ${value}`, `deprecated spelling of ${canonical}`).hideHelp();
    alias.attributeName = () => target.attributeName();
    const parse = target.parseArg;
    alias.argParser((v: string, previous: unknown) => {
      console.error(`slak: warning: ${old} is deprecated, use ${canonical}`);
      return parse ? parse(v, previous) : v;
    });
    DEPRECATED_ALIASES.set(alias, canonical);
    cmd.addOption(alias as unknown as Option);
  }
  for (const sub of cmd.commands) addDeprecatedAliases(sub);
}

/** The canonical long flag of a deprecated alias option, or null for any other option. */
export function deprecatedAliasOf(option: object): string | null {
  return DEPRECATED_ALIASES.get(option) ?? null;
}
