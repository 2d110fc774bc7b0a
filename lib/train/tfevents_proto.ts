/**
 * The few protobuf messages of a TensorBoard event file, encoded and decoded by hand (no
 * dependency). Field numbers follow tensorflow/core/util/event.proto and summary.proto:
 *
 *   Event        { double wall_time = 1; int64 step = 2; string file_version = 3;
 *                  Summary summary = 5; SessionLog session_log = 6; }
 *   Summary      { repeated Value value = 1; }
 *   Value        { string tag = 1; float simple_value = 2; }
 *   SessionLog   { SessionStatus status = 1; string checkpoint_path = 2; string msg = 3; }
 *
 * Decoding skips fields it does not know (any wire type), as protobuf readers must.
 *
 * @module
 */
import { DataError } from "../util/errors.ts";

/** One scalar of a summary: a tag and a float32 value. */
export interface ScalarValue {
  /** The tag TensorBoard groups by, e.g. `train/loss`. */
  tag: string;
  /** The value (stored as float32). */
  value: number;
}

/** SessionLog status START: TensorBoard discards events of a run at or after its step. */
export const SESSION_START = 1;

/** An event of an event file (the fields this toolkit writes). */
export interface TfEvent {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  /** Global step (0 for the file-version record). */
  step: number;
  /** `brain.Event:2` in a file's first record. */
  fileVersion?: string;
  /** Scalars of a summary event. */
  values?: ScalarValue[];
  /** Status of a session-log event ({@link SESSION_START} when a run restarts). */
  sessionStatus?: number;
  /** Message of a session-log event. */
  sessionMsg?: string;
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Growable byte sink for the encoder. */
class Out {
  #buf = new Uint8Array(64);
  #n = 0;

  #room(k: number): void {
    if (this.#n + k <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#n + k));
    next.set(this.#buf.subarray(0, this.#n));
    this.#buf = next;
  }

  byte(b: number): void {
    this.#room(1);
    this.#buf[this.#n++] = b;
  }

  bytes(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.#n);
    this.#n += b.length;
  }

  /** Unsigned varint of a non-negative integer up to 2⁵³ (no 32-bit bit operations). */
  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`varint: bad value ${v}`);
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  lenDelimited(field: number, b: Uint8Array): void {
    this.key(field, WIRE_LEN);
    this.varint(b.length);
    this.bytes(b);
  }

  done(): Uint8Array {
    return this.#buf.slice(0, this.#n);
  }
}

function encodeValue(v: ScalarValue): Uint8Array {
  const o = new Out();
  o.lenDelimited(1, new TextEncoder().encode(v.tag));
  o.key(2, WIRE_I32);
  const f = new Uint8Array(4);
  new DataView(f.buffer).setFloat32(0, v.value, true);
  o.bytes(f);
  return o.done();
}

/** The protobuf bytes of `ev`. */
export function encodeEvent(ev: TfEvent): Uint8Array {
  const o = new Out();
  o.key(1, WIRE_I64);
  const d = new Uint8Array(8);
  new DataView(d.buffer).setFloat64(0, ev.wallTime, true);
  o.bytes(d);
  if (ev.step !== 0) {
    o.key(2, WIRE_VARINT);
    o.varint(ev.step);
  }
  if (ev.fileVersion !== undefined) {
    o.lenDelimited(3, new TextEncoder().encode(ev.fileVersion));
  }
  if (ev.values !== undefined) {
    const s = new Out();
    for (const v of ev.values) s.lenDelimited(1, encodeValue(v));
    o.lenDelimited(5, s.done());
  }
  if (ev.sessionStatus !== undefined) {
    const s = new Out();
    s.key(1, WIRE_VARINT);
    s.varint(ev.sessionStatus);
    if (ev.sessionMsg !== undefined) s.lenDelimited(3, new TextEncoder().encode(ev.sessionMsg));
    o.lenDelimited(6, s.done());
  }
  return o.done();
}

/** One field of a message: its number, wire type and payload (number or bytes). */
interface Field {
  field: number;
  wire: number;
  /** varint value (as a number; exact up to 2⁵³). */
  int: number;
  /** Payload of a fixed-width or length-delimited field. */
  data: Uint8Array;
}

function fields(b: Uint8Array, where: string): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const bad = (what: string): never => {
    throw new DataError(`${where}: malformed protobuf (${what} at byte ${pos})`);
  };
  const varint = (): number => {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= b.length) bad("truncated varint");
      const byte = b[pos++]!;
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) return v;
      scale *= 0x80;
    }
    return bad("varint too long");
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > b.length) bad("truncated field");
    const d = b.subarray(pos, pos + n);
    pos += n;
    return d;
  };
  while (pos < b.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === WIRE_VARINT) out.push({ field, wire, int: varint(), data: new Uint8Array() });
    else if (wire === WIRE_I64) out.push({ field, wire, int: 0, data: take(8) });
    else if (wire === WIRE_LEN) out.push({ field, wire, int: 0, data: take(varint()) });
    else if (wire === WIRE_I32) out.push({ field, wire, int: 0, data: take(4) });
    else bad(`wire type ${wire}`);
  }
  return out;
}

const view = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset, d.byteLength);
const text = (d: Uint8Array) => new TextDecoder().decode(d);

/**
 * Decodes an Event (the fields of {@link TfEvent}; others are skipped).
 *
 * @param where names the file and record in error messages
 * @throws DataError for bytes that are not a protobuf message
 */
export function decodeEvent(b: Uint8Array, where: string): TfEvent {
  const ev: TfEvent = { wallTime: 0, step: 0 };
  for (const f of fields(b, where)) {
    if (f.field === 1 && f.wire === WIRE_I64) ev.wallTime = view(f.data).getFloat64(0, true);
    else if (f.field === 2 && f.wire === WIRE_VARINT) ev.step = f.int;
    else if (f.field === 3 && f.wire === WIRE_LEN) ev.fileVersion = text(f.data);
    else if (f.field === 5 && f.wire === WIRE_LEN) {
      const values: ScalarValue[] = [];
      for (const v of fields(f.data, where)) {
        if (v.field !== 1 || v.wire !== WIRE_LEN) continue;
        let tag = "";
        let value = NaN;
        for (const g of fields(v.data, where)) {
          if (g.field === 1 && g.wire === WIRE_LEN) tag = text(g.data);
          else if (g.field === 2 && g.wire === WIRE_I32) value = view(g.data).getFloat32(0, true);
        }
        values.push({ tag, value });
      }
      ev.values = [...(ev.values ?? []), ...values];
    } else if (f.field === 6 && f.wire === WIRE_LEN) {
      for (const g of fields(f.data, where)) {
        if (g.field === 1 && g.wire === WIRE_VARINT) ev.sessionStatus = g.int;
        else if (g.field === 3 && g.wire === WIRE_LEN) ev.sessionMsg = text(g.data);
      }
      ev.sessionStatus ??= 0;
    }
  }
  return ev;
}
