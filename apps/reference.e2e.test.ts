import { readFileSync } from 'node:fs';
import { openApiDocument } from '../contracts/http/openapi';
import { repoPath } from '../platform/paths';
import { uniq } from '../test/support/env';
import { startTestSystem, type TestSystem } from '../test/support/system';

jest.setTimeout(60_000);

let sys: TestSystem;
let base: string;
beforeAll(async () => {
  sys = await startTestSystem();
  const app = await sys.start(['identity-app']);
  await app.waitReady();
  base = `http://127.0.0.1:${app.port}`;
});
afterAll(() => sys?.stop());

/** The URLs a page loads (scripts, style sheets, icons). */
const loaded = (html: string) => [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);

describe('the OpenAPI document', () => {
  it('is served without a token, as the code generates it and as it is committed', async () => {
    const res = await fetch(`${base}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const served = await res.json();
    expect(served).toEqual(openApiDocument());
    expect(served).toEqual(JSON.parse(readFileSync(repoPath('contracts', 'openapi.json'), 'utf8')));
  });

  it('answers methods it does not take as the API does', async () => {
    const res = await sys.api().call('POST', '/openapi.json', { body: {} });
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ error: expect.any(String) });
  });
});

describe('the reference page', () => {
  it.each(['/api/v1/docs', '/api/v1/docs/'])(
    'at %s loads everything from this server, nothing from a CDN',
    async (path) => {
      const page = await fetch(`${base}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const urls = loaded(await page.text());
      expect(urls.length).toBeGreaterThanOrEqual(4);
      for (const url of urls) {
        expect(url).not.toMatch(/^(?:[a-z]+:)?\/\//i);
        const asset = await fetch(new URL(url, `${base}${path}`));
        expect({ url, status: asset.status }).toEqual({ url, status: 200 });
        expect(asset.headers.get('content-type')).toMatch(/javascript|css|png/);
        const text = await asset.text();
        if (url.endsWith('start.js')) {
          // The page's own starter: the document from this server, no validator badge.
          expect(text).not.toMatch(/https?:/);
          expect(text).toMatch(/openapi\.json/);
          expect(text).toMatch(/validatorUrl: null/);
        }
      }
    },
  );

  it('serves only its own files', async () => {
    for (const file of [
      'package.json',
      'index.html',
      '..%2F..%2Fpackage.json',
      'oauth2-redirect.html',
    ]) {
      const res = await fetch(`${base}/api/v1/docs/${file}`);
      expect({ file, status: res.status }).toEqual({ file, status: 404 });
      expect(await res.json()).toEqual({ error: expect.any(String) });
    }
  });
});

describe('the typed client', () => {
  it('speaks the document to the running API', async () => {
    const sub = `auth0|${uniq()}`;
    const client = sys.client(sys.issuer.token(sub));
    const missing = await client.GET('/users/me');
    expect(missing.response.status).toBe(404);
    expect(missing.error).toEqual({ error: 'user is not registered' });
  });
});
