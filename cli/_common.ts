/**
 * CLI plumbing shared by the subcommands: stderr logging (honours --quiet and NO_COLOR), the
 * repeatable `--set` collector, backend selection with a report of the adapter, and text tables.
 *
 * @module
 */
import { Option } from "commander";
import { type BackendName, initBackendSelection } from "../lib/ops/mod.ts";
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
