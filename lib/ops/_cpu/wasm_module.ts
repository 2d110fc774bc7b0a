/**
 * A WebAssembly module with its own memory, instantiated once on first use: the exports, or null
 * where WebAssembly (or the module's features, e.g. SIMD) is unavailable, so callers fall back to
 * their JS path.
 *
 * @module
 */

/** A getter of the lazily instantiated exports of the module `bytes()` builds (null: unsupported). */
export function lazyWasmExports<E>(bytes: () => Uint8Array<ArrayBuffer>): () => E | null {
  let instance: E | null | undefined;
  const instantiate = (): E | null => {
    if (typeof WebAssembly !== "object") return null;
    const b = bytes();
    if (!WebAssembly.validate(b)) return null;
    try {
      return new WebAssembly.Instance(new WebAssembly.Module(b), {}).exports as unknown as E;
    } catch {
      return null;
    }
  };
  return () => {
    if (instance === undefined) instance = instantiate();
    return instance;
  };
}
