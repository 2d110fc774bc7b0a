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
  /** An output file or folder cannot be created: permission denied, read-only file system. */
  cantCreate: 73,
  /** Writing failed: no space left on the device, disk quota exceeded. */
  ioError: 74,
  /** Temporary: another process holds the run folder; retry when it is done. */
  tempFail: 75,
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
   * A user error with its exit code.
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
  /** A config error. @param message one line naming the file or `--set` and the field, with the allowed values */
  constructor(message: string) {
    super(message, EXIT.config);
    this.name = "ConfigError";
  }
}

/** Malformed or ill-fitting data: weights, checkpoints, .npy inputs, data sets. */
export class DataError extends UserError {
  /** A data error. @param message one line naming the file and what in it does not fit */
  constructor(message: string) {
    super(message, EXIT.data);
    this.name = "DataError";
  }
}

/**
 * The environment refused a file operation (no space left, quota exceeded, read-only file system,
 * permission denied). Not the user's input and not a bug: the CLI prints one line naming the path
 * and the cause and exits with {@link EXIT.cantCreate} or {@link EXIT.ioError}. Build it with
 * `describeFsError` from lib/util/fs.ts, which holds the errno mapping.
 */
export class EnvironmentError extends UserError {
  /** The file or folder the operation was about (null when unknown). */
  readonly path: string | null;
  /** The errno name (`ENOSPC`, `EROFS`, `EACCES`, `EPERM`, `EDQUOT`) or `NotCapable`. */
  readonly code: string;
  /**
   * @param message one line naming the path and the cause
   * @param code errno name of the cause
   * @param path the path concerned, or null
   * @param exitCode {@link EXIT.cantCreate} or {@link EXIT.ioError}
   */
  constructor(message: string, code: string, path: string | null, exitCode: number) {
    super(message, exitCode);
    this.name = "EnvironmentError";
    this.code = code;
    this.path = path;
  }
}

/** Formats a list of valid choices for an error message: `"a", "b" or "c"`. */
export function choices(values: readonly (string | number)[]): string {
  const q = values.map((v) => JSON.stringify(v));
  if (q.length <= 1) return q.join("");
  return `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}`;
}
