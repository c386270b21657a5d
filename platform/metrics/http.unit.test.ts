import type { Server } from 'node:http';
import Router from '@koa/router';
import { loadConfig } from '../config';
import { HttpError } from '../http/errors';
import { closeServer, createHttpApp, listen } from '../http/server';
import { metrics } from './registry';
import { UNMATCHED } from './http';

const ID = '3f1c9a52-5a8e-4b7e-9a51-0f6c2b1d7e44';

let server: Server;
let base: string;

beforeAll(async () => {
  const things = new Router();
  things.get('/things/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  things.post('/things/:id/parts/:part', (ctx) => {
    ctx.status = 201;
    ctx.body = {};
  });
  // Refuses before its handler answers, as authentication does: still counted under the template.
  things.get('/locked/:id', () => {
    throw new HttpError(403, 'no');
  });
  const app = createHttpApp(loadConfig({}), [], () => ({}), [things]);
  server = await listen(app, 0);
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(() => closeServer(server));

const call = (method: string, path: string, body?: string) =>
  fetch(`${base}${path}`, {
    method,
    body,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  }).then(async (r) => ({ status: r.status, text: await r.text() }));

async function series(): Promise<Array<Record<string, string | number>>> {
  const { values } = await metrics.httpDuration.get();
  return values
    .filter((v) => v.metricName === 'devpie_http_request_duration_seconds_count')
    .map((v) => ({ ...v.labels, count: v.value }));
}

describe('the HTTP duration histogram', () => {
  it('labels a request by its route template, never by the ids in its path', async () => {
    expect((await call('GET', `/api/v1/things/${ID}`)).status).toBe(200);
    expect((await call('GET', '/api/v1/things/another-id')).status).toBe(200);
    expect((await call('POST', `/api/v1/things/${ID}/parts/7`, '{}')).status).toBe(201);
    expect((await call('GET', `/api/v1/locked/${ID}`)).status).toBe(403);
    // Refused by the body parser before the route's handler runs.
    expect((await call('POST', `/api/v1/things/${ID}/parts/8`, '{not json')).status).toBe(400);
    // No route at all: one label for every such path, whatever it is.
    expect((await call('GET', `/api/v1/nothing/${ID}`)).status).toBe(404);
    expect((await call('GET', `/${ID}`)).status).toBe(404);
    expect((await call('GET', '/healthz')).status).toBe(200);

    const seen = await series();
    expect(seen).toEqual(
      expect.arrayContaining([
        { method: 'GET', route: '/api/v1/things/:id', status: '200', count: 2 },
        { method: 'POST', route: '/api/v1/things/:id/parts/:part', status: '201', count: 1 },
        { method: 'GET', route: '/api/v1/locked/:id', status: '403', count: 1 },
        { method: 'POST', route: '/api/v1/things/:id/parts/:part', status: '400', count: 1 },
        { method: 'GET', route: UNMATCHED, status: '404', count: 2 },
        { method: 'GET', route: '/healthz', status: '200', count: 1 },
      ]),
    );
    for (const s of seen) {
      expect(String(s.route)).not.toContain(ID);
      expect(String(s.route)).not.toMatch(/another-id|\/7$|\/8$/);
    }
  });

  it('serves every family at GET /metrics in the Prometheus text format', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const family of [
      'devpie_http_request_duration_seconds',
      'devpie_commands_accepted_total',
      'devpie_projector_lag_entries',
      'devpie_process_cpu_seconds_total',
      'devpie_nodejs_eventloop_lag_seconds',
    ])
      expect(text).toContain(`# TYPE ${family} `);
  });
});
