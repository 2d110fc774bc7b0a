import type { Rng } from "../../../lib/util/rng.ts";

/**
 * A stand-in generator that hands out the given uniforms and normals in order (int(n) uses the
 * next uniform as `floor(u·n)`, like Rng) and fails when a draw was not scripted, so a test also
 * checks how many draws an op makes.
 */
export function scriptedRng(uniforms: number[], normals: number[] = []): Rng & { left(): number } {
  const u = [...uniforms];
  const z = [...normals];
  const next = (q: number[], what: string) => {
    if (q.length === 0) throw new Error(`scriptedRng: unscripted ${what} draw`);
    return q.shift()!;
  };
  const r = {
    uniform: () => next(u, "uniform"),
    int: (n: number) => Math.floor(next(u, "uniform") * n),
    normal: () => next(z, "normal"),
    permutation: (n: number) => Int32Array.from({ length: n }, (_, i) => i),
    left: () => u.length + z.length,
  };
  return r as unknown as Rng & { left(): number };
}
