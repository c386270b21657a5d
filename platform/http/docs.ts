import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Router from '@koa/router';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import { HttpError } from './errors';

/** The files of swagger-ui-dist the page loads, by their type; nothing else is served. */
const FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * The page and its starter load everything from this server, relative to where the page is, so
 * it works offline and behind any prefix. `validatorUrl: null`: Swagger UI would otherwise send
 * the document to validator.swagger.io for a badge.
 */
const page = (base: string) => `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Devpie Client API</title>
    <link rel="stylesheet" href="${base}docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${base}docs/favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="${base}docs/favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <div id="reference"></div>
    <script src="${base}docs/swagger-ui-bundle.js"></script>
    <script src="${base}docs/start.js"></script>
  </body>
</html>
`;

const START = `window.ui = SwaggerUIBundle({
  url: new URL('../openapi.json', document.currentScript.src).href,
  dom_id: '#reference',
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: true,
});
`;

/**
 * `GET /openapi.json` (the document it is given) and `GET /docs` (a page to read and try it,
 * Swagger UI's standalone bundle from swagger-ui-dist: no CDN). Public: mount it before the
 * routers that want a token.
 */
export function docsRouter(document: object): Router {
  const json = JSON.stringify(document);
  const files = new Map<string, Promise<Buffer>>();
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = json;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    // Relative to the page: `/api/v1/docs` loads `docs/…`, `/api/v1/docs/` loads `…`.
    ctx.body = page(ctx.path.endsWith('/') ? '../' : '');
  });
  router.get('/docs/:file', async (ctx) => {
    const name = ctx.params.file ?? '';
    if (name === 'start.js') {
      ctx.type = 'application/javascript; charset=utf-8';
      ctx.body = START;
      return;
    }
    const type = FILES[name];
    if (!type) throw new HttpError(404, 'no such file');
    let content = files.get(name);
    if (!content) {
      // Read once and kept; a failed read is tried again next time.
      content = readFile(join(getAbsoluteFSPath(), name)).catch((err: unknown) => {
        files.delete(name);
        throw err;
      });
      files.set(name, content);
    }
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = await content;
  });
  return router;
}
