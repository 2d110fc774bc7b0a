/**
 * Error types the CLI turns into one clear line on stderr and a non-zero exit code.
 *
 * @module
 */

/** Exit codes (sysexits-style) used by the CLI. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 64,
  data: 65,
  config: 78,
  interrupted: 130,
} as const;

/**
 * An error caused by the user's input (a config, a flag, a file). The CLI prints only its
 * message (no stack trace unless `--debug`) and exits with `exitCode`.
 */
export class UserError extends Error {
  /** Process exit code for this error. */
  readonly exitCode: number;
  /**
   * @param message one line naming the file, field or key and what was expected
   * @param exitCode process exit code (default {@link EXIT.usage})
   */
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}

/** A malformed config (file, `--set` value or schema violation). */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message, EXIT.config);
    this.name = "ConfigError";
  }
}

/** Malformed or ill-fitting data: weights, checkpoints, .npy inputs, data sets. */
export class DataError extends UserError {
  constructor(message: string) {
    super(message, EXIT.data);
    this.name = "DataError";
  }
}

/** Formats a list of valid choices for an error message: `"a", "b" or "c"`. */
export function choices(values: readonly (string | number)[]): string {
  const q = values.map((v) => JSON.stringify(v));
  if (q.length <= 1) return q.join("");
  return `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}`;
}
