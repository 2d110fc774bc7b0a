/**
 * Which modules of an entry point's module graph touch host-only APIs (Deno/Node), and whether at
 * import time (top-level code, static class fields and blocks) or only inside functions.
 *
 * Host-only means: the `Deno` global (`Deno.*`, `globalThis.Deno`), `import.meta.dirname` /
 * `import.meta.filename`, a static import of a `node:` built-in, and a static import of an npm
 * package with a native addon (a `napi`/`gypfile` package, a `.node` file, or a platform-specific
 * `os`/`cpu` dependency, as @resvg/resvg-js has). The graph is `deno info --json ENTRY`, followed
 * along static imports only (a dynamic `import()` runs when its function runs, so it is listed as
 * a lazy edge and not followed). Each local module is parsed with Deno's own parser through a lint
 * plugin, which is why the scan needs the `deno test` runtime (`Deno.lint.runPlugin`).
 *
 * What it cannot see: a top-level call of a local function whose body touches `Deno` (the access
 * is reported as "in a function"). tests/web_entry_test.ts therefore also imports the entry point
 * in a process without `globalThis.Deno`.
 *
 * Usage: `deno run -A tools/host_audit.ts [ENTRY...]` (default: mod.ts web.ts) prints, per entry,
 * every module with a host access; it re-runs itself under `deno test` for the parser. Exit 1 when
 * an entry named with `--require-browser-safe` has an import-time access.
 *
 * @module
 */

/** The kinds of host-only access the audit reports. */
export type HostAccessKind = "deno" | "import.meta" | "node-builtin" | "native-addon";

/** One host-only access in one module. */
export interface HostAccess {
  /** What kind of access. */
  kind: HostAccessKind;
  /** The source text (e.g. `Deno.readFile`, `node:path`, `npm:@resvg/resvg-js@2.6.2`). */
  what: string;
  /** 1-based line in the module. */
  line: number;
  /** True when it runs while the module is imported; false when only inside a function. */
  importTime: boolean;
}

/** The host accesses of one local module of the graph. */
export interface ModuleAudit {
  /** Path relative to the repository root. */
  path: string;
  /** Its accesses, in source order. */
  accesses: HostAccess[];
  /** Specifiers it imports dynamically (`import()`), which load only when that code runs. */
  dynamicImports: string[];
}

/** The audit of one entry point. */
export interface EntryAudit {
  /** The entry, relative to the repository root. */
  entry: string;
  /** Number of local modules reached by static imports. */
  moduleCount: number;
  /** npm packages reached by static imports (`name@version`). */
  npmPackages: string[];
  /** Only modules with at least one access or dynamic import, sorted by path. */
  modules: ModuleAudit[];
}

const ROOT = new URL("..", import.meta.url);

interface InfoDependency {
  specifier: string;
  code?: { specifier: string; span: { start: { line: number } } };
  isDynamic?: boolean;
}
interface InfoModule {
  kind: string;
  specifier: string;
  local?: string;
  dependencies?: InfoDependency[];
  npmPackage?: string;
}
interface InfoJson {
  roots: string[];
  modules: InfoModule[];
  redirects: Record<string, string>;
  npmPackages: Record<string, { name: string; version: string; dependencies: string[] }>;
}

/** Runs `deno info --json` on an entry (a path relative to the repository root). */
export async function denoInfo(entry: string): Promise<InfoJson> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as InfoJson;
}

const FUNCTION_NODES = new Set([
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
]);
/** TS nodes that hold values (everything else starting with "TS" is a type position). */
const TS_VALUE_NODES = new Set([
  "TSAsExpression",
  "TSSatisfiesExpression",
  "TSNonNullExpression",
  "TSTypeAssertion",
  "TSInstantiationExpression",
  "TSParameterProperty",
  "TSEnumDeclaration",
  "TSEnumMember",
  "TSEnumBody",
  "TSModuleBlock",
  "TSExportAssignment",
]);

function isTypePosition(type: string): boolean {
  return type.startsWith("TS") && !TS_VALUE_NODES.has(type);
}

interface Located {
  type: string;
  range: [number, number];
  static?: boolean;
}

/** True when code at `ancestors` (outermost first) runs while the module is being imported. */
function runsAtImport(ancestors: readonly Located[]): boolean {
  for (const a of ancestors) {
    if (FUNCTION_NODES.has(a.type)) return false;
    // Instance fields run in the constructor; static fields and static blocks at import.
    if ((a.type === "PropertyDefinition" || a.type === "AccessorProperty") && !a.static) {
      return false;
    }
  }
  return true;
}

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The `Deno` and `import.meta.dirname|filename` accesses of one TypeScript source, parsed with
 * Deno's parser. Type positions (`Deno.lint.Plugin` in an annotation) are not accesses. Needs the
 * `deno test` runtime (`Deno.lint.runPlugin`).
 */
export function scanSource(fileName: string, source: string): HostAccess[] {
  const found: HostAccess[] = [];
  const plugin: Deno.lint.Plugin = {
    name: "host-audit",
    rules: {
      "host-access": {
        create(ctx) {
          const record = (node: Deno.lint.Node, kind: HostAccessKind, what: string) => {
            const ancestors = ctx.sourceCode.getAncestors(node) as unknown as Located[];
            if (ancestors.some((a) => isTypePosition(a.type))) return;
            found.push({
              kind,
              what,
              line: lineOf(source, (node as unknown as Located).range[0]),
              importTime: runsAtImport(ancestors),
            });
          };
          return {
            Identifier(node) {
              if (node.name !== "Deno") return;
              const parent = node.parent as unknown as {
                type: string;
                key?: unknown;
                computed?: boolean;
                property?: { type: string; name?: string };
                object?: unknown;
              };
              // `{ Deno: ... }` keys are not accesses.
              if (parent.type === "Property" && parent.key === node) return;
              let what = "Deno";
              if (parent.type === "MemberExpression" && parent.object === node) {
                const p = parent.property;
                if (!parent.computed && p?.type === "Identifier") what = `Deno.${p.name}`;
              } else if (parent.type === "MemberExpression") {
                what = "globalThis.Deno";
              }
              record(node, "deno", what);
            },
            MetaProperty(node) {
              const parent = node.parent as unknown as {
                type: string;
                property?: { type: string; name?: string };
              };
              const name = parent.type === "MemberExpression" ? parent.property?.name : undefined;
              if (name === "dirname" || name === "filename") {
                record(node, "import.meta", `import.meta.${name}`);
              }
            },
          };
        },
      },
    },
  };
  if (typeof Deno.lint?.runPlugin !== "function") {
    throw new Error("scanSource needs the `deno test` runtime (Deno.lint.runPlugin)");
  }
  Deno.lint.runPlugin(plugin, fileName, source);
  return found.sort((a, b) => a.line - b.line);
}

function npmPackageDir(name: string, version: string): URL {
  return new URL(
    `node_modules/.deno/${name.replace("/", "+")}@${version}/node_modules/${name}/`,
    ROOT,
  );
}

function readPackageJson(name: string, version: string): Record<string, unknown> | null {
  try {
    return JSON.parse(
      Deno.readTextFileSync(new URL("package.json", npmPackageDir(name, version))),
    ) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function hasNodeFile(name: string, version: string): boolean {
  try {
    for (const e of Deno.readDirSync(npmPackageDir(name, version))) {
      if (e.isFile && e.name.endsWith(".node")) return true;
    }
  } catch {
    // Not installed locally (global cache): judged from package.json fields only.
  }
  return false;
}

/**
 * True when an npm package (an id from `deno info`'s npmPackages) ships or pulls a native addon:
 * a `napi`/`gypfile`/`binary` field, a `.node` file, or a direct dependency restricted by
 * `os`/`cpu` (the prebuilt-binary pattern). Judged from node_modules/ when present.
 */
export function isNativeAddon(info: InfoJson, id: string): boolean {
  const pkg = info.npmPackages[id];
  if (pkg === undefined) return false;
  const json = readPackageJson(pkg.name, pkg.version);
  if (json && ("napi" in json || json.gypfile === true || "binary" in json)) return true;
  if (hasNodeFile(pkg.name, pkg.version)) return true;
  for (const depId of pkg.dependencies) {
    const dep = info.npmPackages[depId];
    if (dep === undefined) continue;
    const dj = readPackageJson(dep.name, dep.version);
    if (dj && ("os" in dj || "cpu" in dj)) return true;
    if (hasNodeFile(dep.name, dep.version)) return true;
  }
  return false;
}

/** Audits an entry point (a path relative to the repository root). Needs `deno test`. */
export async function auditEntry(entry: string): Promise<EntryAudit> {
  const info = await denoInfo(entry);
  const byUrl = new Map(info.modules.map((m) => [m.specifier, m]));
  const resolve = (s: string): string => info.redirects[s] ?? s;
  const rootPath = decodeURIComponent(ROOT.pathname);
  const seen = new Set<string>();
  const stack = info.roots.map(resolve);
  const modules: ModuleAudit[] = [];
  const npm = new Set<string>();
  let moduleCount = 0;
  while (stack.length > 0) {
    const url = stack.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const m = byUrl.get(url);
    if (m === undefined || m.kind !== "esm" || m.local === undefined) continue;
    moduleCount++;
    const path = m.local.startsWith(rootPath) ? m.local.slice(rootPath.length) : m.local;
    const accesses = scanSource(m.local, Deno.readTextFileSync(m.local));
    const dynamicImports: string[] = [];
    for (const dep of m.dependencies ?? []) {
      if (dep.code === undefined) continue; // type-only
      const target = resolve(dep.code.specifier);
      const line = dep.code.span.start.line + 1;
      if (dep.isDynamic) {
        dynamicImports.push(dep.specifier);
        continue;
      }
      if (target.startsWith("node:")) {
        accesses.push({ kind: "node-builtin", what: target, line, importTime: true });
        continue;
      }
      const targetModule = byUrl.get(target);
      if (targetModule?.kind === "npm" && targetModule.npmPackage !== undefined) {
        npm.add(targetModule.npmPackage);
        if (isNativeAddon(info, targetModule.npmPackage)) {
          accesses.push({ kind: "native-addon", what: dep.specifier, line, importTime: true });
        }
        continue;
      }
      stack.push(target);
    }
    accesses.sort((a, b) => a.line - b.line);
    if (accesses.length > 0 || dynamicImports.length > 0) {
      modules.push({ path, accesses, dynamicImports });
    }
  }
  modules.sort((a, b) => a.path < b.path ? -1 : 1);
  return { entry, moduleCount, npmPackages: [...npm].sort(), modules };
}

/** The accesses of an audit that run at import time, as `path:line what` lines. */
export function importTimeAccesses(audit: EntryAudit): string[] {
  return audit.modules.flatMap((m) =>
    m.accesses.filter((a) => a.importTime).map((a) => `${m.path}:${a.line} ${a.what}`)
  );
}

/** A plain-text table of an audit: one block per module with accesses. */
export function formatAudit(audit: EntryAudit): string {
  const lines = [
    `${audit.entry}: ${audit.moduleCount} local modules, npm: ${audit.npmPackages.join(", ")}`,
  ];
  const atImport = audit.modules.filter((m) => m.accesses.some((a) => a.importTime));
  const lazyOnly = audit.modules.filter((m) => !m.accesses.some((a) => a.importTime));
  lines.push(`  at import time (${atImport.length} modules):`);
  for (const m of atImport) {
    const what = m.accesses.filter((a) => a.importTime).map((a) => `${a.what}@${a.line}`);
    lines.push(`    ${m.path}: ${what.join(", ")}`);
  }
  lines.push(`  only inside functions / dynamic imports (${lazyOnly.length} modules):`);
  for (const m of lazyOnly) {
    const names = [...new Set(m.accesses.map((a) => a.what))];
    const dyn = m.dynamicImports.map((d) => `import(${d})`);
    lines.push(`    ${m.path}: ${[...names, ...dyn].join(", ")}`);
  }
  return lines.join("\n");
}

const ENTRY_ENV = "SLAK_HOST_AUDIT_ENTRIES";

if (Deno.env.get(ENTRY_ENV) !== undefined) {
  const { entries, strict } = JSON.parse(Deno.env.get(ENTRY_ENV)!) as {
    entries: string[];
    strict: string;
  };
  Deno.test("host audit", async () => {
    let failed = false;
    for (const entry of entries) {
      const audit = await auditEntry(entry);
      console.log(formatAudit(audit));
      if (entry === strict && importTimeAccesses(audit).length > 0) failed = true;
    }
    if (failed) throw new Error(`${strict} touches host-only APIs at import time`);
  });
} else if (import.meta.main) {
  // `deno run`: re-run this file under `deno test`, where the parser API exists.
  const args = [...Deno.args];
  const strictIdx = args.indexOf("--require-browser-safe");
  const strict = strictIdx >= 0 ? args.splice(strictIdx, 2)[1] ?? "" : "";
  const entries = args.length > 0 ? args : ["mod.ts", "web.ts"];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--no-check", new URL(import.meta.url).pathname],
    cwd: ROOT,
    env: { [ENTRY_ENV]: JSON.stringify({ entries, strict }), NO_COLOR: "1" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exit(out.code);
}
