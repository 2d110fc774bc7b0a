/**
 * A worker process of a parallel sweep, seen from the parent: started from a command line with
 * its three pipes; protocol lines from its stdout go to `onMessage`, every other line (its stdout
 * text and its stderr) to `onText`; `ended` resolves once the process has exited and both of its
 * output pipes are drained (so that no message arrives after it).
 *
 * @module
 */
import { type Assignment, encodeLine, parseWorkerLine, readLines } from "./pool_protocol.ts";
import type { WorkerMessage } from "./pool_protocol.ts";

/** How a worker process ended. */
export interface WorkerExit {
  /** The exit status. */
  code: number;
  /** The signal that ended it, if one did. */
  signal: Deno.Signal | null;
}

/** A started worker. */
export interface PoolWorker {
  /** Its process id. */
  readonly pid: number;
  /** Sends one assignment. */
  send(a: Assignment): void;
  /** No more work: closes the worker's stdin. */
  close(): void;
  /** Sends a signal (ignored when the process is already gone). */
  kill(signal: Deno.Signal): void;
  /** The exit, after the output pipes are drained. */
  readonly ended: Promise<WorkerExit>;
}

/** Starts workers: slot number (0-based) and message callback in, the worker out. */
export type SpawnWorker = (slot: number, onMessage: (m: WorkerMessage) => void) => PoolWorker;

/** Callbacks of {@link spawnWorkerProcess}. */
export interface WorkerIo {
  /** A protocol message from the worker. */
  onMessage: (m: WorkerMessage) => void;
  /** A line the worker printed that is not a protocol message. */
  onText: (line: string) => void;
}

/** Starts `argv[0] argv[1..]` as a worker process (environment and folder inherited). */
export function spawnWorkerProcess(argv: readonly string[], io: WorkerIo): PoolWorker {
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const enc = new TextEncoder();
  let closed = false;
  const stdout = (async () => {
    for await (const line of readLines(child.stdout)) {
      const m = parseWorkerLine(line);
      if (m) io.onMessage(m);
      else if (line.trim()) io.onText(line);
    }
  })();
  const stderr = (async () => {
    for await (const line of readLines(child.stderr)) if (line.trim()) io.onText(line);
  })();
  const ended = Promise.all([child.status, stdout, stderr]).then(([st]) => ({
    code: st.code,
    signal: st.signal,
  }));
  return {
    pid: child.pid,
    send(a) {
      // A worker that died is noticed through `ended`; a broken pipe is not an error here.
      stdin.write(enc.encode(encodeLine(a))).catch(() => {});
    },
    close() {
      if (closed) return;
      closed = true;
      stdin.close().catch(() => {});
    },
    kill(signal) {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
    },
    ended,
  };
}
