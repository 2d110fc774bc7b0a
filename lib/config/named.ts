/**
 * The shapes shared by every config that layers overrides over something: an overrides map
 * (`dotted.path: value` pairs, applied in order by the layering engine) and "a named base plus
 * overrides" (`{name, overrides}`: a registry model with some fields changed).
 *
 * @module
 */
import { z } from "zod";

/** `dotted.path: value` pairs, applied in order (see `applyOverrides`). */
export const OverridesSchema = z.record(z.string().min(1), z.unknown());
/** An overrides map. */
export type Overrides = z.output<typeof OverridesSchema>;

/** A named base plus overrides: `{name, overrides}` (overrides default to none). */
export const NamedOverridesSchema = z.strictObject({
  /** Name of the base (a registry model, see `slak models`). */
  name: z.string(),
  /** Fields layered over the base, checked strictly against it when resolved. */
  overrides: OverridesSchema.default({}),
});
/** A parsed `{name, overrides}`. */
export type NamedOverrides = z.output<typeof NamedOverridesSchema>;
