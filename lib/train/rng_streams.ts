/**
 * The named random streams of a training run (drop path, mixup, masks): split from the root seed,
 * saved as states with each checkpoint and restored on resume. Shared by both trainers.
 * @module
 */

import { Rng, type RngState } from "../util/rng.ts";
import type { TrainerRng } from "./trainer_types.ts";

/** Saved states of the streams (a checkpoint's `rng`). */
export interface RngStreamStates {
  dropout: RngState;
  mix: RngState;
  mask: RngState;
}

/** The streams of a fresh run with root `seed`. */
export function rngStreams(seed: number): TrainerRng {
  return {
    dropout: Rng.stream(seed, "dropout"),
    mix: Rng.stream(seed, "mix"),
    mask: Rng.stream(seed, "mask"),
  };
}

/** The streams continued from saved states. */
export function restoreRngStreams(s: RngStreamStates): TrainerRng {
  return { dropout: new Rng(s.dropout), mix: new Rng(s.mix), mask: new Rng(s.mask) };
}

/** The current states of the streams, for a checkpoint. */
export function rngStreamStates(rng: TrainerRng): RngStreamStates {
  return { dropout: rng.dropout.state(), mix: rng.mix.state(), mask: rng.mask.state() };
}
