// Hostile .npy headers: deep nesting, enormous shapes, sizes beyond 2^53 and escape sequences.
import assert from "node:assert/strict";
import { readNpy } from "../../lib/io/mod.ts";
import { MAX_NPY_HEADER_BYTES, MAX_NPY_NESTING } from "../../lib/io/npy.ts";
import { dataError, hasControlChars } from "./hostile_bytes.ts";

/** A version-2 .npy file with the given header text (any length) and data bytes. */
function npy(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(12 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(out.buffer).setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(data, 12 + h.length);
  return out;
}

function quick<T>(fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  assert.ok(ms < 5_000, `took ${ms.toFixed(0)} ms`);
  return out;
}

Deno.test("readNpy() refuses 60,000 nested '(' with a DataError, not a stack overflow", () => {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${"(".repeat(60_000)}}`;
  const e = quick(() => dataError(() => readNpy(npy(header), "deep.npy")));
  assert.match(
    e.message,
    new RegExp(
      `^deep\\.npy: malformed \\.npy header \\(nesting deeper than ${MAX_NPY_NESTING} at character \\d+\\): "\\{'descr'`,
    ),
  );
  assert.ok(e.message.length < 400, `message of ${e.message.length} characters`);
  // numpy's own nesting (a dict of a tuple) still reads
  const ok = readNpy(
    npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", new Uint8Array(8)),
  );
  assert.deepEqual(ok.shape, [1, 2]);
});

Deno.test("readNpy() keeps messages about huge shapes to one short line", () => {
  // 2M dimensions: the header alone is 4 MB (refused by size, unparsed)
  const twoM = `{'descr': '<f4', 'fortran_order': False, 'shape': (${"1,".repeat(2_000_000)}), }`;
  const e = quick(() => dataError(() => readNpy(npy(twoM), "wide.npy")));
  assert.equal(
    e.message,
    `wide.npy: .npy header of ${twoM.length} bytes exceeds the ${MAX_NPY_HEADER_BYTES}-byte limit`,
  );
  // 200k dimensions fit the header limit: refused by rank, the message stays short
  const wide = `{'descr': '<f4', 'fortran_order': False, 'shape': (${"1,".repeat(200_000)}), }`;
  const e2 = quick(() => dataError(() => readNpy(npy(wide), "wide.npy")));
  assert.match(
    e2.message,
    /^wide\.npy: \.npy header 'shape' has 200000 dimensions \(at most 64\)$/,
  );
  // a malformed one quotes the header, cut
  const bad = `{'descr': '<f4', 'fortran_order': False, 'shape': (${"1,".repeat(200_000)}]`;
  const e3 = quick(() => dataError(() => readNpy(npy(bad), "bad.npy")));
  assert.match(e3.message, /\.\.\. \(\d+ characters\)$/);
  assert.ok(e3.message.length < 400, `message of ${e3.message.length} characters`);
});

Deno.test("readNpy() quotes sizes beyond 2^53 exactly and fails 2^62-element shapes as DataErrors", () => {
  const h = (shape: string) => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const e = dataError(() => readNpy(npy(h("(1152921504606846976,)")), "big.npy"));
  assert.match(
    e.message,
    /\[1152921504606846976\] must be a tuple of non-negative ints below 2\^53/,
  );
  assert.ok(!e.message.includes("1152921504606847000"), e.message);
  // digits a double cannot hold are kept as written
  const odd = dataError(() => readNpy(npy(h("(3, 1152921504606846977)")), "big.npy"));
  assert.match(odd.message, /\[3,1152921504606846977\] must be/);
  // safe dims whose product is 2^62 elements (2^64 bytes)
  const e2 = dataError(() => readNpy(npy(h("(2147483648, 2147483648)")), "big.npy"));
  assert.equal(
    e2.message,
    "big.npy: truncated .npy data (shape [2147483648,2147483648] <f4 needs " +
      "18446744073709551616 bytes, file has 0)",
  );
  // a zero dimension makes any other size fine
  assert.deepEqual(readNpy(npy(h("(0, 4503599627370496)"))).shape, [0, 4503599627370496]);
});

Deno.test("readNpy() escapes control characters of the header in its messages", () => {
  const descr = "\x1b[2J\x1b[H<f4";
  const e = dataError(() =>
    readNpy(npy(`{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }`), "esc.npy")
  );
  assert.ok(!hasControlChars(e.message), JSON.stringify(e.message));
  assert.match(e.message, /unsupported \.npy dtype "\\x1b\[2J\\x1b\[H<f4"/);
  const e2 = dataError(() => readNpy(npy("{'descr': '<f4', \x07\x1b]0;x\x07"), "esc.npy"));
  assert.ok(!hasControlChars(e2.message), JSON.stringify(e2.message));
  assert.match(e2.message, /malformed \.npy header/);
});
