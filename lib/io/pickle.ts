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
 * @module
 */

import { DataError } from "../util/errors.ts";
import { quoteUntrusted } from "../util/quote.ts";
import { decodeLong, defineField, describe } from "./pickle_util.ts";

/** Longest `LONG4` integer accepted, in bytes (a 2^524288 integer; checkpoints hold ~10). */
export const MAX_LONG_BYTES = 65536;

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
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const maker = new WeakMap<object, PickleGlobal>();
  let pos = start;
  let opPos = start;

  const fail = (msg: string): never => {
    throw new DataError(`${name}: ${msg} (pickle offset ${opPos})`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail("truncated pickle");
  };
  const u8 = () => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = () => {
    need(2);
    const v = dv.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = dv.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail("length field larger than the file");
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const v = bytes.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("truncated pickle (missing newline)");
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const str = (n: number) => {
    try {
      return utf8.decode(take(n));
    } catch {
      return fail("invalid UTF-8 in a string");
    }
  };
  const push = (v: unknown) => stack.push(v);
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1]!)) {
      fail("stack underflow");
    }
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail("stack underflow");
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) return fail("missing MARK");
    return stack.splice(m);
  };
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
  const setItems = (d: unknown, items: unknown[]) => {
    if (!(d instanceof Map)) return fail(`SETITEM(S) on a ${describe(d)}`);
    if (items.length % 2) fail("odd number of items for SETITEMS");
    for (let k = 0; k < items.length; k += 2) d.set(items[k], items[k + 1]);
  };
  const appendItems = (l: unknown, items: unknown[]) => {
    if (Array.isArray(l)) { for (const v of items) l.push(v); }
    else if (l instanceof Set) { for (const v of items) l.add(v); }
    else fail(`APPEND(S) on a ${describe(l)}`);
  };

  for (;;) {
    opPos = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("pickle protocol above 5");
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        push([pop(), b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      case 0x64: { // DICT
        const d = new Map();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: { // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x58: // BINUNICODE
        push(str(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(str(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(str(u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        push(latin1.decode(take(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(take(u64()).slice());
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(decodeLong(take(u8())));
        break;
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail("negative LONG4 length");
        if (n > MAX_LONG_BYTES) {
          fail(`LONG4 integer of ${n} bytes exceeds the ${MAX_LONG_BYTES}-byte limit`);
        }
        push(decodeLong(take(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo key ${k} not found`);
        push(memo.get(k));
        break;
      }
      case 0x30: // POP
        if (stack.length && stack.length === marks[marks.length - 1]) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x63: { // GLOBAL
        const module = line();
        push(resolveGlobal(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const qual = pop();
        const module = pop();
        if (typeof module !== "string" || typeof qual !== "string") {
          fail("STACK_GLOBAL needs two strings");
        }
        push(resolveGlobal(module as string, qual as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const f = pop();
        if (dry) {
          push(null);
          break;
        }
        const g = asGlobal(f, "REDUCE");
        if (!Array.isArray(args)) fail(`REDUCE of ${g.qualname} with non-tuple arguments`);
        if (!g.call) fail(`global "${g.qualname}" may not be called`);
        push(made(g, g.call!(args as unknown[], ctx)));
        break;
      }
      case 0x81: // NEWOBJ
      case 0x92: { // NEWOBJ_EX
        if (op === 0x92) pop(); // kwargs
        const args = pop();
        const cls = pop();
        if (dry) {
          push(null);
          break;
        }
        const g = asGlobal(cls, "NEWOBJ");
        const fn = g.construct ?? g.call;
        if (!Array.isArray(args)) fail(`NEWOBJ of ${g.qualname} with non-tuple arguments`);
        if (!fn) fail(`global "${g.qualname}" may not be instantiated`);
        push(made(g, fn!(args as unknown[], ctx)));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (dry) break;
        const g = typeof obj === "object" && obj !== null ? maker.get(obj) : undefined;
        if (g?.build) g.build(obj, state, ctx);
        else defaultBuild(obj, state);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (dry && !opts.persistentLoad) {
          push(null);
          break;
        }
        if (!opts.persistentLoad) fail("unexpected persistent id (BINPERSID)");
        push(opts.persistentLoad!(pid));
        break;
      }
      default:
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
  const parts = Array.isArray(state) ? state : [state];
  for (const part of parts) {
    if (part instanceof Map) {
      for (const [k, v] of part) if (typeof k === "string") defineField(obj, k, v);
    }
  }
}
