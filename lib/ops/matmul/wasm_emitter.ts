/**
 * A tiny WebAssembly binary writer: LEB128 integers, sections, and a one-memory module layout
 * (types, functions, memory, exports, code). Enough to hand-assemble the SIMD matmul kernel
 * without a WAT toolchain; opcodes are listed in {@link OP} and {@link SIMD}.
 *
 * @module
 */

/** Value types. */
export const VAL = { i32: 0x7f, f32: 0x7d, v128: 0x7b } as const;

/** Core opcodes used by the kernels. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Ne: 0x47,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  blockVoid: 0x40,
  /** memory.copy from memory 0 to memory 0 (bulk memory). */
  memoryCopy: [0xfc, 0x0a, 0x00, 0x00],
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const SIMD = {
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f32x4RelaxedMadd: 0x105,
} as const;

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit range). */
export function sleb(v: number): number[] {
  const out: number[] = [];
  v |= 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A byte vector prefixed with its length. */
function sized(bytes: number[]): number[] {
  return [...uleb(bytes.length), ...bytes];
}

/** A vector of items prefixed with their count. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...sized(body)];
}

function name(s: string): number[] {
  return sized([...new TextEncoder().encode(s)]);
}

/** One function of a module: signature, extra locals (type per local) and body instructions. */
export interface WasmFunction {
  name: string;
  params: number[];
  results: number[];
  locals: number[];
  body: number[];
}

/** Run-length local declarations, as the code section wants them. */
function localDecls(locals: number[]): number[] {
  const groups: number[][] = [];
  for (let i = 0; i < locals.length;) {
    let j = i;
    while (j < locals.length && locals[j] === locals[i]) j++;
    groups.push([...uleb(j - i), locals[i]!]);
    i = j;
  }
  return vec(groups);
}

/**
 * Where a module's memory comes from: imported as `env.mem` (the limits must match the memory
 * passed at instantiation: `shared` needs a shared memory with maximum `maxPages`).
 */
export interface ImportedMemory {
  /** Whether the memory is shared between threads. */
  shared: boolean;
  /** Maximum size in 64 KiB pages (required by shared memories). */
  maxPages: number;
}

/**
 * A module with one exported growable memory ("mem", `minPages` 64 KiB pages) and the given
 * exported functions (each with its own type). With `imported`, the memory is not defined here
 * but imported as `env.mem` (and still exported as "mem"), so several modules and threads can
 * work on one (shared) memory.
 */
export function wasmModule(
  fns: WasmFunction[],
  minPages: number,
  imported?: ImportedMemory,
): Uint8Array<ArrayBuffer> {
  const types = fns.map((
    f,
  ) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const funcs = fns.map((_, i) => uleb(i));
  const memory = vec([[0x00, ...uleb(minPages)]]);
  const limits = imported === undefined
    ? []
    : [imported.shared ? 0x03 : 0x01, ...uleb(minPages), ...uleb(imported.maxPages)];
  const imports = vec([[...name("env"), ...name("mem"), 0x02, ...limits]]);
  const exports = vec([
    [...name("mem"), 0x02, 0x00],
    ...fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]),
  ]);
  const code = vec(fns.map((f) => sized([...localDecls(f.locals), ...f.body, OP.end])));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...(imported === undefined ? [] : section(2, imports)),
    ...section(3, vec(funcs)),
    ...(imported === undefined ? section(5, memory) : []),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

/** A SIMD instruction: 0xfd prefix, LEB opcode, then immediates. */
export function simd(op: number, ...imm: number[]): number[] {
  return [0xfd, ...uleb(op), ...imm];
}

/** memarg immediate: log2 alignment and byte offset. */
export function memarg(alignLog2: number, offset: number): number[] {
  return [...uleb(alignLog2), ...uleb(offset)];
}
