/**
 * Entry of a kernel thread (a module Worker): receives the shared kernel memory and the control
 * block once, then loops: block in `Atomics.wait` until a new job is published, instantiate the
 * job's module on first use, claim and run parts (run_parts.ts), and leave the loop and close when
 * the stop slot is set. A thread whose module does not instantiate claims nothing (the calling
 * thread runs the parts).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { KernelCache, type ModuleSpec } from "./kernels.ts";
import { SLOT, type StartMessage } from "./protocol.ts";
import { controlViews, runClaimedParts } from "./run_parts.ts";

function loop(msg: StartMessage): void {
  const c = controlViews(msg.control);
  const cache = new KernelCache({ memory: msg.memory, shared: true });
  let seen = Atomics.load(c.i32, SLOT.job);
  Atomics.add(c.i32, SLOT.ready, 1);
  for (;;) {
    Atomics.wait(c.i32, SLOT.job, seen);
    if (Atomics.load(c.i32, SLOT.stop) !== 0) return;
    const job = Atomics.load(c.i32, SLOT.job);
    if (job === seen) continue;
    seen = job;
    if (msg.index + 1 >= c.i32[SLOT.active]!) continue;
    const spec: ModuleSpec = {
      kind: c.i32[SLOT.modKind]!,
      a: c.i32[SLOT.modA]!,
      b: c.i32[SLOT.modB]!,
      fma: c.i32[SLOT.modFma]! !== 0,
    };
    const ex = cache.get(spec);
    if (ex === null) continue;
    try {
      runClaimedParts(c, job, ex);
    } catch (e) {
      console.error(`kernel thread: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

self.onmessage = (e: MessageEvent<StartMessage>) => {
  self.onmessage = null;
  loop(e.data);
  self.close();
};
