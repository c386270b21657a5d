import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import type { Pool } from 'pg';
import { freePort } from '../../test/support/ports';
import { testDatabase, type TestDatabase } from '../../test/support/env';
import { createPool, inTransaction } from '../postgres/pool';
import { DATABASE_UNAVAILABLE, errorHandler } from './errors';
import { closeServer, listen } from './server';

jest.setTimeout(30_000);

let db: TestDatabase;
let away: Pool;
let live: Pool;
let server: Server;
let base: string;

beforeAll(async () => {
  db = await testDatabase();
  // Nothing listens there: a server that is down or restarting.
  away = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/gone`, 1);
  live = createPool(db.url, 2);
  const router = new Router();
  router.get('/away', async (ctx) => {
    ctx.body = (await away.query('SELECT 1 AS one')).rows;
  });
  // The request's own session is ended under it, between two statements.
  router.get('/cut', async (ctx) => {
    ctx.body = await inTransaction(live, async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await new Promise((r) => setTimeout(r, 100));
      return (await tx.query('SELECT 1 AS one')).rows;
    });
  });
  router.get('/bug', async (ctx) => {
    ctx.body = (await live.query('SELECT 1/0')).rows;
  });
  const app = new Koa();
  app.use(errorHandler);
  app.use(router.routes());
  const port = await freePort();
  server = await listen(app, port);
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await closeServer(server);
  await away.end();
  await live.end();
  await db.drop();
});

describe('a request that cannot reach the database', () => {
  it.each(['/away', '/cut'])('%s: answers 503 with when to try again', async (path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ error: DATABASE_UNAVAILABLE });
  });

  it('still answers 500 for a query that is wrong whatever the server', async () => {
    const res = await fetch(`${base}/bug`);
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
  });
});
