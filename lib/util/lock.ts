/**
 * Lock files, so that two processes never run the same run: two sweep shards given the same
 * index, a rerun started while the first still runs, array tasks on a shared file system, or two
 * `slak train --resume` on one folder. A lock is created with O_EXCL (`createNew`) and records pid, host, process
 * start time and a random nonce; a lock is stale when its process is gone (same host: /proc
 * shows no process with that pid and start time) or, from another host, when its heartbeat is
 * older than `staleMs`. A stale lock is taken over under a second O_EXCL "takeover" file, and only
 * if it still holds the nonce that was judged stale, so two processes cannot both take it over.
 *
 * @module
 */
import { writeJsonAtomic } from "./fs.ts";

/** The content of a lock file. */
export interface LockInfo {
  pid: number;
  host: string;
  /** Start time of the process (Linux /proc/<pid>/stat field 22), to survive pid reuse. */
  procStart: string | null;
  nonce: string;
  acquired: string;
  heartbeat: string;
}

/** A held lock. */
export interface HeldLock {
  path: string;
  info: LockInfo;
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** A lock from another host is stale after this long without a heartbeat (default 30 min). */
  staleMs?: number;
  /** For tests: the clock. */
  now?: () => number;
}

/** Outcome of {@link acquireLock}: the lock, or who holds it. */
export type LockResult = { ok: true; lock: HeldLock } | { ok: false; holder: LockInfo | null };

const DEFAULT_STALE_MS = 30 * 60 * 1000;
const TAKEOVER_STALE_MS = 60 * 1000;

/** This machine's host name (or "unknown"). */
export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/**
 * Start time of process `pid` from /proc (null where there is no /proc or no such process; a
 * zombie, which has exited but awaits its parent, counts as none: orphans can stay zombies for a
 * while under an init that reaps them late).
 */
export function processStart(pid: number | "self"): string | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name, which is in parentheses and may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (rest[0] === "Z" || rest[0] === "X") return null; // field 3: the state
    return rest[19] ?? null; // field 22 overall = index 19 after pid and comm
  } catch {
    return null;
  }
}

function hasProc(): boolean {
  try {
    Deno.statSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
}

/** Whether the lock's process is known to be gone (true), known alive (false), or unknown (null). */
export function lockProcessGone(info: LockInfo): boolean | null {
  if (info.host !== hostName() || !hasProc()) return null;
  const start = processStart(info.pid);
  if (start === null) return true;
  if (info.procStart !== null && start !== info.procStart) return true;
  return false;
}

/** Whether a lock may be taken over. */
export function isStale(info: LockInfo, staleMs: number, now: number): boolean {
  const gone = lockProcessGone(info);
  if (gone !== null) return gone;
  const beat = Date.parse(info.heartbeat);
  return !Number.isFinite(beat) || now - beat > staleMs;
}

/** Reads a lock file (null when absent or unreadable, e.g. half written by a killed process). */
export function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(Deno.readTextFileSync(path));
    return typeof v?.pid === "number" && typeof v?.nonce === "string" ? v as LockInfo : null;
  } catch {
    return null;
  }
}

function createExclusive(path: string, text: string): boolean {
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(path, { write: true, createNew: true });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
  try {
    const data = new TextEncoder().encode(text);
    let off = 0;
    while (off < data.length) off += f.writeSync(data.subarray(off));
    f.syncSync();
  } finally {
    f.close();
  }
  return true;
}

function mtimeMs(path: string): number | null {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? null;
  } catch {
    return null;
  }
}

function newInfo(now: number): LockInfo {
  const t = new Date(now).toISOString();
  return {
    pid: Deno.pid,
    host: hostName(),
    procStart: processStart("self"),
    nonce: crypto.randomUUID(),
    acquired: t,
    heartbeat: t,
  };
}

/**
 * Tries to take the lock at `path` (its folder must exist). Never blocks: returns the holder when
 * a live process has it.
 */
export function acquireLock(path: string, opts: LockOptions = {}): LockResult {
  const now = opts.now ?? Date.now;
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  for (let attempt = 0; attempt < 3; attempt++) {
    const info = newInfo(now());
    if (createExclusive(path, JSON.stringify(info))) return { ok: true, lock: { path, info } };
    const holder = readLock(path);
    if (holder === null) {
      // Unreadable: being written right now, or left half written by a killed process.
      const m = mtimeMs(path);
      if (m === null) continue; // vanished: retry
      if (now() - m < TAKEOVER_STALE_MS) return { ok: false, holder: null };
    } else if (!isStale(holder, staleMs, now())) {
      return { ok: false, holder };
    }
    // Take over under a second exclusive file.
    const takeover = `${path}.takeover`;
    if (!createExclusive(takeover, String(Deno.pid))) {
      const m = mtimeMs(takeover);
      if (m !== null && now() - m > TAKEOVER_STALE_MS) {
        try {
          Deno.removeSync(takeover);
        } catch { /* someone else did */ }
        continue;
      }
      return { ok: false, holder };
    }
    try {
      const again = readLock(path);
      const same = holder === null ? again === null : again?.nonce === holder.nonce;
      if (!same) return { ok: false, holder: again };
      try {
        Deno.removeSync(path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      const mine = newInfo(now());
      if (createExclusive(path, JSON.stringify(mine))) {
        return { ok: true, lock: { path, info: mine } };
      }
      return { ok: false, holder: readLock(path) };
    } finally {
      try {
        Deno.removeSync(takeover);
      } catch { /* gone */ }
    }
  }
  return { ok: false, holder: readLock(path) };
}

/** Refreshes the heartbeat; false when the lock is no longer ours (taken over). */
export async function heartbeat(lock: HeldLock, now = Date.now()): Promise<boolean> {
  const cur = readLock(lock.path);
  if (cur?.nonce !== lock.info.nonce) return false;
  lock.info = { ...lock.info, heartbeat: new Date(now).toISOString() };
  await writeJsonAtomic(lock.path, lock.info);
  return true;
}

/** Removes the lock if it is still ours. */
export function releaseLock(lock: HeldLock): void {
  const cur = readLock(lock.path);
  if (cur?.nonce !== lock.info.nonce) return;
  try {
    Deno.removeSync(lock.path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
