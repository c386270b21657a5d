import type Router from '@koa/router';
import { Pool } from 'pg';
import { openApiDocument } from '../contracts/http/openapi';
import { loadConfig } from '../platform/config';
import type { CommandPublisher } from '../platform/eventlog/reconnectingPublisher';
import { commandStatusRouter } from '../platform/http/commands';
import { createHttpApp } from '../platform/http/server';
import type { CommandSender } from '../platform/outcomes/commandSender';
import { OutcomeWaiter } from '../platform/outcomes/outcomes';
import { APPS } from './catalog';

/**
 * Every route the HTTP server registers, from every app as its role mounts it, held to the
 * OpenAPI document: none undocumented, none documented that is not served.
 */

const base = loadConfig();
// Building routers opens nothing: the pool, the log and the keys are only reached by requests,
// and none is made here.
const config = {
  ...base,
  auth: { ...base.auth, issuer: 'test', audience: 'test', jwksUri: 'http://127.0.0.1:9/jwks' },
};
const deps = {
  pool: new Pool(),
  commands: {} as CommandSender,
  log: {} as CommandPublisher,
  config,
};
const apps = Object.values(APPS) as Array<{
  routes(d: typeof deps): Router[];
  publicRoutes?(d: typeof deps): Router[];
}>;

function registered(): string[] {
  const app = createHttpApp(
    config,
    // As appRole mounts each app: its routes, and what became of the commands it sent.
    [...apps.flatMap((a) => a.routes(deps)), commandStatusRouter(new OutcomeWaiter(deps.pool, ''))],
    {},
    apps.flatMap((a) => a.publicRoutes?.(deps) ?? []),
    openApiDocument(),
  );
  const routers = app.middleware
    .map((m) => (m as { router?: Router }).router)
    .filter((r): r is Router => r !== undefined);
  return routers.flatMap((r) =>
    r.stack
      .filter((layer) => layer.methods.length > 0)
      .flatMap((layer) =>
        // HEAD comes with every GET: the document leaves it implied.
        layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path}`),
      ),
  );
}

function documented(): string[] {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([template, item]) => {
    const root = Array.isArray(item.servers);
    const path = `${root ? '' : '/api/v1'}${template.replace(/\{(\w+)\}/g, ':$1')}`;
    return Object.keys(item)
      .filter((k) => k !== 'servers')
      .map((method) => `${method.toUpperCase()} ${path}`);
  });
}

describe('the routes the server registers', () => {
  const served = registered();
  const described = documented();

  it('are found', () => {
    expect(served.length).toBeGreaterThan(50);
  });

  it('are each in the OpenAPI document', () => {
    expect(served.filter((r) => !described.includes(r))).toEqual([]);
  });

  it('are all the document describes', () => {
    expect(described.filter((r) => !served.includes(r))).toEqual([]);
  });

  it('are registered once', () => {
    expect(served.filter((r, i) => served.indexOf(r) !== i)).toEqual([]);
  });
});
