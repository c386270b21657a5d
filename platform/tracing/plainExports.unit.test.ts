import { plainCopy, plainExports, type ModuleLoader } from './plainExports';

/** Exports as TypeScript's CommonJS re-exports make them: a getter per name. */
function reexporting(values: Record<string, unknown>): object {
  const exports = {};
  Object.defineProperty(exports, '__esModule', { value: true });
  for (const [key, value] of Object.entries(values))
    Object.defineProperty(exports, key, { enumerable: true, get: () => value });
  return exports;
}

const accessors = (o: object) =>
  Object.entries(Object.getOwnPropertyDescriptors(o))
    .filter(([, d]) => d.get)
    .map(([k]) => k);

describe('plain exports', () => {
  const context = { active: () => 'ctx' };

  it('copies every export as a plain value, and keeps the ES module mark', () => {
    const original = reexporting({ context, SEMATTRS_HTTP_METHOD: 'http.method', n: 0 });
    const plain = plainCopy(original);
    expect(accessors(original)).toEqual(['context', 'SEMATTRS_HTTP_METHOD', 'n']);
    expect(accessors(plain)).toEqual([]);
    expect(plain).toEqual({ context, SEMATTRS_HTTP_METHOD: 'http.method', n: 0 });
    expect(plain.context).toBe(context);
    expect((plain as { __esModule?: boolean }).__esModule).toBe(true);
    expect(Object.keys(plain)).not.toContain('__esModule');
  });

  it('puts the copy in the module cache, so whoever requires the module next gets it', () => {
    const original = reexporting({ context });
    const cache: ModuleLoader['cache'] = {};
    const load = Object.assign(
      (path: string) => {
        cache[path] ??= { exports: original };
        return cache[path].exports;
      },
      { resolve: (id: string) => `/node_modules/${id}/index.js`, cache },
    );
    plainExports(['@opentelemetry/api'], load);
    const later = load('/node_modules/@opentelemetry/api/index.js') as Record<string, unknown>;
    expect(later).not.toBe(original);
    expect(accessors(later)).toEqual([]);
    expect(later.context).toBe(context);
  });

  it('leaves a module whose exports are not an object as it is', () => {
    const fn = () => 1;
    const cache: ModuleLoader['cache'] = { '/m.js': { exports: fn } };
    const load = Object.assign(() => fn, { resolve: () => '/m.js', cache });
    plainExports(['m'], load);
    expect(cache['/m.js']?.exports).toBe(fn);
  });
});
