/**
 * A compile-time check that two types are identical, used where a public type is written out by
 * hand next to the schema it must match (the schema's inferred type is the source of truth; the
 * hand-written one is what the documentation shows).
 *
 * @module
 */

/** `true` when `A` and `B` are the same type, else `false`. */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2)
  ? true
  : false;

/** Accepts only `true`: `assertSame<Same<A, B>>()` fails to compile when A and B differ. */
export function assertSame<_T extends true>(): void {}
