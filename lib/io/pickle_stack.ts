/**
 * The state of the pickle machine besides its input: the value stack, the MARK positions and the
 * memo, with the checked stack operations the opcodes use (a pop never crosses a MARK).
 *
 * @module
 */
import { describe } from "./pickle_util.ts";

/** Stack, marks and memo of one unpickling; errors go through `fail`. */
export class PickleStack {
  /** The value stack. */
  readonly values: unknown[] = [];
  /** Stack heights at each open MARK. */
  readonly marks: number[] = [];
  /** Memoised values by key. */
  readonly memo = new Map<number, unknown>();
  readonly #fail: (msg: string) => never;

  /** An empty machine state; `fail` throws the error for a malformed pickle. */
  constructor(fail: (msg: string) => never) {
    this.#fail = fail;
  }

  /** Pushes one value. */
  push(v: unknown): void {
    this.values.push(v);
  }

  /** Pops one value above the innermost MARK. */
  pop(): unknown {
    const stack = this.values;
    const marks = this.marks;
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1]!)) {
      this.#fail("stack underflow");
    }
    return stack.pop();
  }

  /** The top value, left on the stack. */
  top(): unknown {
    if (this.values.length === 0) this.#fail("stack underflow");
    return this.values[this.values.length - 1];
  }

  /** Opens a MARK at the current height. */
  mark(): void {
    this.marks.push(this.values.length);
  }

  /** Removes and returns the values above the innermost MARK, closing it. */
  popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) return this.#fail("missing MARK");
    return this.values.splice(m);
  }

  /** POP: drops an empty MARK when one is on top, else one value. */
  discard(): void {
    const stack = this.values;
    if (stack.length && stack.length === this.marks[this.marks.length - 1]) this.popMark();
    else this.pop();
  }

  /** SETITEM(S): `items` as key, value pairs into the dict `d`. */
  setItems(d: unknown, items: unknown[]): void {
    if (!(d instanceof Map)) return this.#fail(`SETITEM(S) on a ${describe(d)}`);
    if (items.length % 2) this.#fail("odd number of items for SETITEMS");
    for (let k = 0; k < items.length; k += 2) d.set(items[k], items[k + 1]);
  }

  /** APPEND(S) / ADDITEMS: `items` onto the list or set `l`. */
  appendItems(l: unknown, items: unknown[]): void {
    if (Array.isArray(l)) { for (const v of items) l.push(v); }
    else if (l instanceof Set) { for (const v of items) l.add(v); }
    else this.#fail(`APPEND(S) on a ${describe(l)}`);
  }

  /** Stores the top value under memo key `k`. */
  put(k: number): void {
    this.memo.set(k, this.top());
  }

  /** Pushes the value memoised under `k`. */
  get(k: number): void {
    if (!this.memo.has(k)) this.#fail(`memo key ${k} not found`);
    this.push(this.memo.get(k));
  }
}
