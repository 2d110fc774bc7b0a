/**
 * Seeded random numbers split into named streams (init, data, dropout, mask-grow, ...), in the
 * spirit of flax's `nnx.Rngs`: one root seed, and each consumer draws from its own stream so that
 * adding draws in one place never shifts another. Generator: xoshiro128** (32-bit state words,
 * exact in JavaScript numbers), seeded through splitmix32 from a hash of (root seed, stream name).
 * The state is four uint32 values and can be saved and restored exactly (checkpoints).
 *
 * @module
 */

/** Serializable generator state: four uint32 words. */
export type RngState = [number, number, number, number];

function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(a: number): () => number {
  let s = a >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A xoshiro128** generator. */
export class Rng {
  #s: Uint32Array;
  #spare: number | null = null;

  /** A generator at `state` (see `Rng.stream` for a named stream of a seed). @param state four uint32 words, not all zero */
  constructor(state: RngState) {
    this.#s = Uint32Array.from(state);
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /**
   * The generator of stream `name` under root seed `seed`.
   * @example
   * ```ts
   * const a = Rng.stream(0, "data").uniform();
   * const b = Rng.stream(0, "data").uniform();
   * if (a !== b) throw new Error("streams must be reproducible");
   * ```
   */
  static stream(seed: number, name: string): Rng {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const mix = splitmix32(fnv1a(name, lo) ^ Math.imul(hi, 0x9e3779b1));
    return new Rng([mix(), mix(), mix(), mix()]);
  }

  /** A child stream derived from this generator's current state and a name (does not advance it). */
  fork(name: string): Rng {
    const s = this.#s;
    const mix = splitmix32(fnv1a(name, s[0]! ^ s[1]! ^ s[2]! ^ s[3]!));
    return new Rng([mix() ^ s[0]!, mix() ^ s[1]!, mix() ^ s[2]!, mix() ^ s[3]!]);
  }

  /** The exact state, to restore with `new Rng(state)` (a pending spare normal is dropped). */
  state(): RngState {
    return [this.#s[0]!, this.#s[1]!, this.#s[2]!, this.#s[3]!];
  }

  /** Next uint32. */
  nextU32(): number {
    const s = this.#s;
    const x = Math.imul(s[1]!, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = (s[3]! << 11) | (s[3]! >>> 21);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, the spare value is used by the next call). */
  normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  /**
   * Samples from a normal(0, std) truncated to [-2, 2] (absolute bounds, as PyTorch's
   * `trunc_normal_(std=0.02)` with default a=-2, b=2), by rejection.
   */
  truncNormal(std: number, lo = -2, hi = 2): number {
    for (;;) {
      const v = this.normal() * std;
      if (v >= lo && v <= hi) return v;
    }
  }
}
