/**
 * A safe unpickler for the subset of Python's pickle format (protocols 2–5) that `torch.save`
 * writes. Nothing is ever executed: every global the pickle names is looked up in an explicit
 * allow-list of inert constructors that the caller passes in (`pth.ts` passes the torch list of
 * `pickle_globals.ts`); any other global is a DataError. Untrusted input is handled in time and
 * stack space linear in its length: no recursion, integers decoded in linear time and capped.
 *
 * Python values map to: `None` → `null`, `bool` → boolean, `int` → number (bigint beyond 2^53),
 * `float` → number, `str` → string, `bytes` → Uint8Array, `list`/`tuple` → array,
 * `dict`/`OrderedDict` → `Map` (insertion order kept), `set` → `Set`.
 *
 * This file runs the machine's loop and the opcodes that name or apply globals (GLOBAL, REDUCE,
 * NEWOBJ, BUILD, BINPERSID); the value opcodes are `pickle_opcodes.ts`, the byte cursor
 * `pickle_reader.ts`, the stack and memo `pickle_stack.ts`.
 *
 * @module
 */

import { quoteUntrusted } from "../util/quote.ts";
import { valueOp } from "./pickle_opcodes.ts";
import { PickleReader } from "./pickle_reader.ts";
import { PickleStack } from "./pickle_stack.ts";
import { assignDictState, describe } from "./pickle_util.ts";

/** Context handed to allow-listed constructors (for error messages). */
export interface PickleContext {
  /** File name used in error messages. */
  name: string;
}

/** An allow-listed global: an inert constructor for REDUCE / NEWOBJ and an optional BUILD. */
export interface PickleGlobal {
  /** `module.name`, as the pickle spells it. */
  readonly qualname: string;
  /** Applied by REDUCE (`callable(*args)`); absent when the global may not be called. */
  call?: (args: unknown[], ctx: PickleContext) => unknown;
  /** Applied by NEWOBJ (`cls.__new__(cls, *args)`); defaults to `call`. */
  construct?: (args: unknown[], ctx: PickleContext) => unknown;
  /** Applied by BUILD to an object this global made (`obj.__setstate__(state)`). */
  build?: (obj: unknown, state: unknown, ctx: PickleContext) => void;
}

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** File name used in error messages. */
  name?: string;
  /** Resolves a persistent id (BINPERSID); without it persistent ids are an error. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Allow-list of globals by `module.name`; any other global is refused. */
  globals: ReadonlyMap<string, PickleGlobal>;
  /**
   * Structure-only pass: globals are checked but nothing is constructed (REDUCE and NEWOBJ push
   * `null`; BINPERSID still calls `persistentLoad` when given, else pushes `null`). Used to find
   * where a pickle ends and which storages it names.
   */
  dry?: boolean;
}

/** Result of {@link unpickleAt}. */
export interface UnpickleResult {
  /** The unpickled value. */
  value: unknown;
  /** Offset just past the STOP opcode. */
  end: number;
}

/** Unpickles the pickle that starts at offset 0 of `bytes`. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): unknown {
  return unpickleAt(bytes, 0, opts).value;
}

/** Unpickles the pickle that starts at `start` (several pickles may follow each other). */
export function unpickleAt(
  bytes: Uint8Array,
  start: number,
  opts: UnpickleOptions,
): UnpickleResult {
  const name = opts.name ?? "<pickle>";
  const ctx: PickleContext = { name };
  const globals = opts.globals;
  const dry = opts.dry ?? false;
  const r = new PickleReader(bytes, start, name);
  const s = new PickleStack((msg) => r.fail(msg));
  const maker = new WeakMap<object, PickleGlobal>();
  const fail = (msg: string): never => r.fail(msg);

  const resolveGlobal = (module: string, qual: string): unknown => {
    const key = `${module === "__builtin__" ? "builtins" : module}.${qual}`;
    const g = globals.get(key);
    if (!g) {
      fail(
        `refusing to load global ${quoteUntrusted(`${module}.${qual}`)}: it is not in the ` +
          `allow-list of inert types (torch tensors/storages, collections.OrderedDict, ` +
          `argparse.Namespace, ...); load only state dicts and plain checkpoints`,
      );
    }
    return g;
  };
  const asGlobal = (f: unknown, op: string): PickleGlobal => {
    if (typeof f !== "object" || f === null || !("qualname" in f)) {
      return fail(`${op} applied to a non-callable ${describe(f)}`);
    }
    return f as PickleGlobal;
  };
  const made = (g: PickleGlobal, v: unknown) => {
    if (typeof v === "object" && v !== null) maker.set(v, g);
    return v;
  };

  for (;;) {
    r.opPos = r.pos;
    const op = r.u8();
    switch (op) {
      case 0x80: // PROTO
        if (r.u8() > 5) fail("pickle protocol above 5");
        break;
      case 0x95: // FRAME
        r.u64();
        break;
      case 0x2e: // STOP
        if (s.values.length !== 1) fail(`STOP with ${s.values.length} values on the stack`);
        return { value: s.values[0], end: r.pos };
      case 0x63: { // GLOBAL
        const module = r.line();
        s.push(resolveGlobal(module, r.line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const qual = s.pop();
        const module = s.pop();
        if (typeof module !== "string" || typeof qual !== "string") {
          fail("STACK_GLOBAL needs two strings");
        }
        s.push(resolveGlobal(module as string, qual as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = s.pop();
        const f = s.pop();
        if (dry) {
          s.push(null);
          break;
        }
        const g = asGlobal(f, "REDUCE");
        if (!Array.isArray(args)) fail(`REDUCE of ${g.qualname} with non-tuple arguments`);
        if (!g.call) fail(`global "${g.qualname}" may not be called`);
        s.push(made(g, g.call!(args as unknown[], ctx)));
        break;
      }
      case 0x81: // NEWOBJ
      case 0x92: { // NEWOBJ_EX
        if (op === 0x92) s.pop(); // kwargs
        const args = s.pop();
        const cls = s.pop();
        if (dry) {
          s.push(null);
          break;
        }
        const g = asGlobal(cls, "NEWOBJ");
        const fn = g.construct ?? g.call;
        if (!Array.isArray(args)) fail(`NEWOBJ of ${g.qualname} with non-tuple arguments`);
        if (!fn) fail(`global "${g.qualname}" may not be instantiated`);
        s.push(made(g, fn!(args as unknown[], ctx)));
        break;
      }
      case 0x62: { // BUILD
        const state = s.pop();
        const obj = s.top();
        if (dry) break;
        const g = typeof obj === "object" && obj !== null ? maker.get(obj) : undefined;
        if (g?.build) g.build(obj, state, ctx);
        else defaultBuild(obj, state);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = s.pop();
        if (dry && !opts.persistentLoad) {
          s.push(null);
          break;
        }
        if (!opts.persistentLoad) fail("unexpected persistent id (BINPERSID)");
        s.push(opts.persistentLoad!(pid));
        break;
      }
      default:
        if (valueOp(op, r, s)) break;
        fail(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")}` +
            (op >= 0x20 && op < 0x7f ? ` ('${String.fromCharCode(op)}')` : ""),
        );
    }
  }
}

/** BUILD on an object no allow-listed global claims: plain records take dict state. */
function defaultBuild(obj: unknown, state: unknown): void {
  if (typeof obj !== "object" || obj === null || obj instanceof Map || Array.isArray(obj)) return;
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) return;
  assignDictState(obj, state);
}
