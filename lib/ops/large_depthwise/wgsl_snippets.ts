/**
 * WGSL text generators shared by the depthwise programs: the unrolled register tile (R
 * accumulators), the sliding-window tap loop, and the clipped edge taps.
 *
 * All index arithmetic is in i32 on flat f32 arrays. The caller declares the constants the
 * snippets use (SA: input stride along the tile axis) and the variables `xl` (input line base),
 * and names the filter/second-operand expression.
 *
 * @module
 */

/** `var a0 : f32 = 0.0; ...` for an R-register tile. */
export function declareAccumulators(r: number, prefix = "a"): string {
  return Array.from({ length: r }, (_, j) => `var ${prefix}${j} : f32 = 0.0;`).join("\n");
}

/**
 * Sliding window over R consecutive inputs along the tile axis: each step loads one new input
 * (`x[xp]`) and one multiplier (`mulExpr`), then does R fmas.
 * Needs vars: xp (index of input for register 0 at the first step), the loop range [from, to),
 * `stepCode` (advances the multiplier pointer).
 */
export function slidingLoop(
  r: number,
  opts: { input: string; from: string; to: string; mulExpr: string; stepCode: string },
): string {
  const { input, from, to, mulExpr, stepCode } = opts;
  const pre = Array.from(
    { length: r - 1 },
    (_, j) => `var x${j} = ${input}[xp + ${j} * SA];`,
  ).join("\n");
  const fmas = Array.from({ length: r }, (_, j) => {
    const xv = j === r - 1 ? "xn" : `x${j}`;
    return `a${j} = fma(${xv}, m, a${j});`;
  }).join("\n");
  const shift = Array.from(
    { length: r - 1 },
    (_, j) => `x${j} = ${j === r - 2 ? "xn" : `x${j + 1}`};`,
  ).join("\n");
  return `
    ${pre}
    xp += ${r - 1} * SA;
    for (var s = ${from}; s < ${to}; s++) {
      let xn = ${input}[xp];
      let m = ${mulExpr};
      ${fmas}
      ${shift}
      xp += SA;
      ${stepCode}
    }`;
}

/**
 * Edge steps with bounds checks: for s in [from, to), register j reads input position
 * `i0 + j` (i0 = `posExpr`) when 0 <= i0 + j < LA.
 */
export function edgeLoop(
  r: number,
  opts: { input: string; from: string; to: string; mulExpr: string; posExpr: string },
): string {
  const { input, from, to, mulExpr, posExpr } = opts;
  const body = Array.from(
    { length: r },
    (_, j) =>
      `if (i0 + ${j} >= 0 && i0 + ${j} < LA) { a${j} = fma(${input}[xl + (i0 + ${j}) * SA], m, a${j}); }`,
  ).join("\n");
  return `
    for (var s = ${from}; s < ${to}; s++) {
      let m = ${mulExpr};
      let i0 = ${posExpr};
      ${body}
    }`;
}
