/**
 * OpenTelemetry's packages are compiled to CommonJS by TypeScript, whose re-exports are getters:
 * every `api.context`, `core.sanitizeAttributes` or `SEMATTRS_HTTP_METHOD` that the SDK, its
 * instrumentations and our tracing port read on a span's way is a call through one or two of them
 * (a CPU profile of the system under load found the semantic conventions' getters alone at 5% of
 * what tracing costs the main thread; a loop of spans runs 16-20% faster without them). Their
 * values are set once, when the module loads, and never change: each such module is replaced in
 * Node's module cache, before anything else loads it, by a plain object holding the same values.
 */

/**
 * The modules read on every span's way, by their re-exports; each after those it loads, so that
 * it too holds their plain copies (core reads the API and the semantic conventions).
 */
export const HOT_MODULES = [
  '@opentelemetry/semantic-conventions',
  '@opentelemetry/api',
  '@opentelemetry/core',
  '@opentelemetry/instrumentation',
] as const;

/** A module's exports as plain data properties: the same values, read once. */
export function plainCopy(exports: object): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(exports)) plain[key] = (exports as Record<string, unknown>)[key];
  // Kept, so an importer's interop helpers still see an ES module's exports.
  if ((exports as { __esModule?: unknown }).__esModule === true)
    Object.defineProperty(plain, '__esModule', { value: true });
  return plain;
}

/** What of `require` this needs: resolving, loading and the cache it fills. */
export interface ModuleLoader {
  (id: string): unknown;
  resolve(id: string): string;
  cache: Record<string, { exports: unknown } | undefined>;
}

/**
 * Loads each module and puts its plain copy in the cache, so every later `require` of it gets the
 * copy. A module loaded before this keeps its getters for whoever holds it: correct, only slower.
 */
export function plainExports(ids: readonly string[], load: ModuleLoader = require): void {
  for (const id of ids) {
    const path = load.resolve(id);
    const exports = load(path);
    const cached = load.cache[path];
    if (cached && exports !== null && typeof exports === 'object')
      cached.exports = plainCopy(exports);
  }
}
