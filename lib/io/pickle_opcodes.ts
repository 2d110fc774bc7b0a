/**
 * The value opcodes of the pickle machine: those that build plain Python values (containers,
 * strings, bytes, numbers, constants) or move them between the stack and the memo. None of them
 * names a global or calls anything; those opcodes, and the loop, are in `pickle.ts`.
 *
 * @module
 */
import type { PickleReader } from "./pickle_reader.ts";
import type { PickleStack } from "./pickle_stack.ts";
import { decodeLong } from "./pickle_util.ts";

/** Longest `LONG4` integer accepted, in bytes (a 2^524288 integer; checkpoints hold ~10). */
export const MAX_LONG_BYTES = 65536;

/**
 * Executes value opcode `op` (its operands read from `r`, its values on `s`); returns false,
 * having done nothing, when `op` is not a value opcode.
 */
export function valueOp(op: number, r: PickleReader, s: PickleStack): boolean {
  switch (op) {
    case 0x28: // MARK
      s.mark();
      break;
    case 0x7d: // EMPTY_DICT
      s.push(new Map());
      break;
    case 0x5d: // EMPTY_LIST
      s.push([]);
      break;
    case 0x29: // EMPTY_TUPLE
      s.push([]);
      break;
    case 0x8f: // EMPTY_SET
      s.push(new Set());
      break;
    case 0x85: // TUPLE1
      s.push([s.pop()]);
      break;
    case 0x86: { // TUPLE2
      const b = s.pop();
      s.push([s.pop(), b]);
      break;
    }
    case 0x87: { // TUPLE3
      const c = s.pop();
      const b = s.pop();
      s.push([s.pop(), b, c]);
      break;
    }
    case 0x74: // TUPLE
    case 0x6c: // LIST
      s.push(s.popMark());
      break;
    case 0x91: // FROZENSET
      s.push(new Set(s.popMark()));
      break;
    case 0x64: { // DICT
      const d = new Map();
      s.setItems(d, s.popMark());
      s.push(d);
      break;
    }
    case 0x61: { // APPEND
      const v = s.pop();
      s.appendItems(s.top(), [v]);
      break;
    }
    case 0x65: // APPENDS
    case 0x90: { // ADDITEMS
      const items = s.popMark();
      s.appendItems(s.top(), items);
      break;
    }
    case 0x73: { // SETITEM
      const v = s.pop();
      const k = s.pop();
      s.setItems(s.top(), [k, v]);
      break;
    }
    case 0x75: { // SETITEMS
      const items = s.popMark();
      s.setItems(s.top(), items);
      break;
    }
    case 0x58: // BINUNICODE
      s.push(r.str(r.u32()));
      break;
    case 0x8c: // SHORT_BINUNICODE
      s.push(r.str(r.u8()));
      break;
    case 0x8d: // BINUNICODE8
      s.push(r.str(r.u64()));
      break;
    case 0x54: // BINSTRING (Python 2 str)
      s.push(r.latin1(r.i32()));
      break;
    case 0x55: // SHORT_BINSTRING
      s.push(r.latin1(r.u8()));
      break;
    case 0x42: // BINBYTES
      s.push(r.take(r.u32()).slice());
      break;
    case 0x43: // SHORT_BINBYTES
      s.push(r.take(r.u8()).slice());
      break;
    case 0x8e: // BINBYTES8
    case 0x96: // BYTEARRAY8
      s.push(r.take(r.u64()).slice());
      break;
    case 0x4a: // BININT
      s.push(r.i32());
      break;
    case 0x4b: // BININT1
      s.push(r.u8());
      break;
    case 0x4d: // BININT2
      s.push(r.u16());
      break;
    case 0x8a: // LONG1
      s.push(decodeLong(r.take(r.u8())));
      break;
    case 0x8b: { // LONG4
      const n = r.i32();
      if (n < 0) r.fail("negative LONG4 length");
      if (n > MAX_LONG_BYTES) {
        r.fail(`LONG4 integer of ${n} bytes exceeds the ${MAX_LONG_BYTES}-byte limit`);
      }
      s.push(decodeLong(r.take(n)));
      break;
    }
    case 0x47: // BINFLOAT (big-endian)
      s.push(r.f64be());
      break;
    case 0x4e: // NONE
      s.push(null);
      break;
    case 0x88: // NEWTRUE
      s.push(true);
      break;
    case 0x89: // NEWFALSE
      s.push(false);
      break;
    case 0x71: // BINPUT
      s.put(r.u8());
      break;
    case 0x72: // LONG_BINPUT
      s.put(r.u32());
      break;
    case 0x94: // MEMOIZE
      s.put(s.memo.size);
      break;
    case 0x68: // BINGET
      s.get(r.u8());
      break;
    case 0x6a: // LONG_BINGET
      s.get(r.u32());
      break;
    case 0x30: // POP
      s.discard();
      break;
    case 0x31: // POP_MARK
      s.popMark();
      break;
    case 0x32: // DUP
      s.push(s.top());
      break;
    default:
      return false;
  }
  return true;
}
