import assert from "node:assert/strict";
import { checkNchwInput } from "../../lib/models/predict.ts";

function capture(fn: () => void): string[] {
  const lines: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    fn();
  } finally {
    console.warn = orig;
  }
  return lines;
}

Deno.test("checkNchwInput() warns on NaN/Inf inputs and stays quiet on finite ones", () => {
  const data = new Float32Array(2 * 3 * 32 * 32).fill(0.5);
  const x = { dtype: "float32" as const, shape: [2, 3, 32, 32], data };
  assert.deepEqual(capture(() => checkNchwInput({ inChannels: 3 }, x, "x.npy")), []);
  data[5] = NaN;
  data[77] = -Infinity;
  const lines = capture(() => checkNchwInput({ inChannels: 3 }, x, "x.npy"));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /input x\.npy holds 2 NaN\/Inf value/);
});
