/**
 * Intra-op threads for the wasm kernels: one shared kernel memory, a pool of module Workers that
 * block in `Atomics.wait`, and jobs split into fixed parts so results never depend on the thread
 * count.
 *
 * @module
 */
export { ensureKernelBytes, kernelF32, kernelMemory } from "./memory.ts";
export { MODULE, type ModuleSpec, TASK } from "./kernels.ts";
export {
  jobStats,
  kernelInstance,
  poolThreads,
  readyThreads,
  runKernelJob,
  setThreadCount,
  shutdownThreads,
  startThreads,
  threadCount,
} from "./pool.ts";
