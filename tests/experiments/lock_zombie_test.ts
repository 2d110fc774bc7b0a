// A worker orphaned by a killed `slak ablate --jobs N` exits at once but may stay a zombie for a
// while (until init reaps it); its run lock must count as stale meanwhile, so that a rerun can
// take the run over.
import assert from "node:assert/strict";
import { hostName, type LockInfo, lockProcessGone } from "../../lib/util/lock.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Field 3 (state) and field 22 (start time) of /proc/PID/stat; null when there is none. */
function stat(pid: number): { state: string; start: string } | null {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0]!, start: rest[19]! };
  } catch {
    return null;
  }
}

function lockOf(pid: number, procStart: string): LockInfo {
  const t = new Date().toISOString();
  return { pid, host: hostName(), procStart, nonce: "n", acquired: t, heartbeat: t };
}

Deno.test({
  name: "lockProcessGone(): a lock of a zombie process is stale, one of a live process is not",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // `sleep 0` exits at once; its parent (exec'd into `sleep 5`) never reaps it: a zombie.
    const p = new Deno.Command("sh", {
      args: ["-c", "sleep 0 & echo $!; exec sleep 5"],
      stdout: "piped",
    }).spawn();
    try {
      const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("\n")) text += (await reader.read()).value ?? "";
      reader.releaseLock();
      const zombie = Number(text.trim());
      let st = stat(zombie);
      const t0 = Date.now();
      while (st?.state !== "Z" && Date.now() - t0 < 5000) {
        await sleep(10);
        st = stat(zombie);
      }
      assert.equal(st?.state, "Z", "the child became a zombie");
      assert.equal(lockProcessGone(lockOf(zombie, st!.start)), true);
      const live = stat(p.pid)!;
      assert.equal(lockProcessGone(lockOf(p.pid, live.start)), false);
    } finally {
      p.kill();
      await p.status;
      await p.stdout.cancel().catch(() => {});
    }
  },
});
