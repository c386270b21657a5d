import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import Koa from 'koa';
import Router from '@koa/router';
import type { Config } from '../config';
import { authenticate } from '../auth/authenticate';
import { devIssuer } from '../auth/devIssuer';
import { cors } from './cors';
import { docsRouter } from './docs';
import { errorHandler, HttpError } from './errors';
import { healthRouter, type ReadinessChecks } from './health';
import { jsonBody } from './jsonBody';
import { httpMetrics, metricsRouter } from '../metrics/http';
import { metricsEnabled } from '../metrics/registry';

export function createHttpApp(
  config: Config,
  api: Router[],
  readiness: ReadinessChecks,
  publicApi: Router[] = [],
  /** The API's OpenAPI document, served with its reference page (public, like `publicApi`). */
  reference?: object,
): Koa {
  const app = new Koa();
  app.proxy = true;
  if (metricsEnabled) app.use(httpMetrics);
  app.use(errorHandler);
  app.use(allowHeader);
  app.use(knownMethods);
  app.use(cors(config.corsOrigin));
  const health = healthRouter(readiness);
  app.use(health.routes());
  app.use(metricsRouter().routes());
  const unguarded = reference ? [docsRouter(reference), ...publicApi] : publicApi;
  if (unguarded.length > 0) {
    const open = new Router({ prefix: '/api/v1' });
    open.use(jsonBody(config.bodyLimitBytes));
    for (const r of unguarded) open.use(r.routes(), r.allowedMethods());
    app.use(open.routes());
  }
  if (api.length > 0) {
    const v1 = new Router({ prefix: '/api/v1' });
    const { auth } = config;
    const publicKeyPem =
      auth.devMode && !auth.jwksUri
        ? devIssuer(auth.devKeyFile, auth.issuer, auth.audience).publicKeyPem
        : undefined;
    const authenticated = authenticate({
      issuer: auth.issuer,
      audience: auth.audience,
      jwksUri: auth.jwksUri || undefined,
      publicKeyPem,
      jwksRefetchMs: auth.jwksRefetchMs,
    });
    const body = jsonBody(config.bodyLimitBytes);
    const guard = async (ctx: Koa.Context, next: Koa.Next): Promise<void> => {
      await authenticated(ctx, async () => {
        await body(ctx, next);
      });
    };
    for (const r of api) v1.use(r.routes(), r.allowedMethods());
    // The guard runs where the router's own `use` would (only for a route that matches path and
    // method, so an unknown path stays a 404), but as plain middleware: every request would
    // otherwise carry a traced span for each of its two layers (two of the ten a task add makes).
    app.use(async (ctx, next) => {
      if (v1.match(ctx.path, ctx.method).route) await guard(ctx, next);
      else await next();
    });
    app.use(v1.routes());
    app.use(v1.allowedMethods());
  }
  return app;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'];

/** TRACE, PROPFIND and friends are the caller's mistake (405), not ours (the router's 501). */
const knownMethods: Koa.Middleware = async (ctx, next) => {
  if (!METHODS.includes(ctx.method))
    throw new HttpError(405, `${ctx.method} is not allowed`, { Allow: METHODS.join(', ') });
  await next();
};

/**
 * A known method on a path without it: the router, told to throw, throws a 405 that names no
 * methods, though a 405 must say in Allow which ones the path takes. Left to answer, it sets
 * Allow and no body; this makes that the API's `{error}` with Allow kept.
 */
const allowHeader: Koa.Middleware = async (ctx, next) => {
  await next();
  if ((ctx.status === 405 || ctx.status === 501) && ctx.body == null) {
    throw new HttpError(ctx.status, `${ctx.method} is not allowed here`, {
      Allow: ctx.response.get('Allow'),
    });
  }
};

/**
 * Requests Node refuses before Koa sees them (headers over its limit, malformed HTTP) still get
 * the API's `{error}` body, not a bare status line.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // Node reports every later chunk of a refused request again: it is read and dropped, not met
  // by a destroy that resets a client still sending its body before it reads the answer.
  if (answered.has(socket)) return;
  if (!socket.writable) return void socket.destroy();
  answered.add(socket);
  const [status, text, error] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'request headers are too large']
      : [400, 'Bad Request', 'malformed HTTP request'];
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // A client that goes on sending after that long is cut off.
  setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
}

const answered = new WeakSet<Duplex>();
const CLIENT_ERROR_LINGER_MS = 10_000;

/** Listens, and on close stops taking connections and waits for the requests under way. */
export function listen(app: Koa, port: number): Promise<Server> {
  const handle = app.callback();
  // Koa answers its own failures: the promise it returns does not reject.
  const server = createServer((req, res) => void handle(req, res));
  server.on('clientError', answerClientError);
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
