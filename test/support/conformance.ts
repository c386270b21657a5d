import { API_SECTIONS } from '../../contracts/http/openapi';
import { answersOf, API_PREFIX, templateOf, type Operation } from '../../contracts/http/operation';
import { validate } from '../../platform/validation';

/**
 * Holds an answer of the running system to the OpenAPI document: its status must be one the
 * document lists for that route, its body must match the schema given there, and the headers it
 * says are always sent must be there. The checks use the route tables the document is rendered
 * from (a unit test keeps the committed document equal to them, and the served one is compared
 * in the e2e suite of the reference), through the same validator the API checks bodies with.
 */

interface Route {
  op: Operation;
  method: string;
  /** As the document spells it, with the prefix: `/api/v1/projects/{pid}`. */
  where: string;
  pattern: RegExp;
  /** Segments that are not parameters: the more, the more specific (`/users/teams/invites`). */
  literals: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const ROUTES: Route[] = API_SECTIONS.flatMap((s) => Object.values(s.operations)).map((op) => {
  const segments = `${op.root ? '' : API_PREFIX}${op.path}`.split('/').filter(Boolean);
  return {
    op,
    method: op.method.toUpperCase(),
    where: `${op.root ? '' : API_PREFIX}${templateOf(op.path)}`,
    pattern: new RegExp(
      `^/${segments.map((seg) => (seg.startsWith(':') ? '[^/]+' : escape(seg))).join('/')}/?$`,
    ),
    literals: segments.filter((seg) => !seg.startsWith(':')).length,
  };
});

export interface Exchange {
  method: string;
  /** The path as requested, with `/api/v1`, dot segments and any query. */
  path: string;
  status: number;
  headers: Headers;
  /** The body, parsed when it was JSON, else its text. */
  body: unknown;
}

const clip = (value: unknown, n = 300): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text;
};

const isError = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  typeof (body as { error?: unknown }).error === 'string' &&
  Object.keys(body).length === 1;

/** What is wrong with an answer by the document's account, or null when it conforms. */
export function conformanceProblem(x: Exchange): string | null {
  const method = x.method.toUpperCase();
  // Preflights are CORS's, and HEAD is GET without the body.
  if (method === 'OPTIONS' || method === 'HEAD') return null;
  // As it reaches the server: `/items/.` is `/items/`, and the query is no part of the route.
  const path = new URL(x.path, 'http://localhost').pathname;
  const asked = `${method} ${clip(path, 120)} answered ${x.status}`;
  const matching = ROUTES.filter((r) => r.pattern.test(path));
  const route = matching
    .filter((r) => r.method === method)
    .sort((a, b) => b.literals - a.literals)[0];
  if (!route) {
    // Not a route of the API: what it answers for that is a 404, or a 405 naming the methods
    // a known path takes (401 first, where the path is behind the token). What is refused before
    // any route is looked at may come first too: oversized headers (431, Node's own), and a body
    // the API reads for every path it serves (400, 413, 415).
    const before = [400, 401, 413, 415, 431];
    const expected = [...before, matching.length > 0 ? 405 : 404];
    if (!expected.includes(x.status) || !isError(x.body))
      return `${asked} ${clip(x.body)}: no route of the document, so ${expected.join(' or ')} with {error} was due`;
    return null;
  }
  const answers = answersOf(route.op);
  const answer = answers[x.status];
  const at = `${method} ${route.where}`;
  if (!answer)
    return `${asked} ${clip(x.body)}, a status the document does not list for ${at} (it lists ${Object.keys(answers).join(', ')})`;
  const type = x.headers.get('content-type') ?? '';
  if (answer.body) {
    if (!/^application\/json\b/.test(type))
      return `${asked} as ${type || 'no content type'}, not JSON`;
    const checked = validate(answer.body, x.body, 'body');
    if (!checked.ok)
      return `${asked} with a body the document does not allow for ${at} ${x.status}: ${checked.error}; the body: ${clip(x.body, 600)}`;
  } else if (answer.contentTypes && !answer.contentTypes.some((t) => type.startsWith(t))) {
    return `${asked} as ${type}, which the document does not list for ${at}`;
  }
  for (const [header, always] of Object.entries(answer.headers ?? {}))
    if (always && !x.headers.has(header))
      return `${asked} without the ${header} header ${at} promises`;
  return null;
}

/** Throws when the answer drifted from the document. */
export function assertConforms(x: Exchange): void {
  const problem = conformanceProblem(x);
  if (problem) throw new Error(`The API drifted from its OpenAPI document: ${problem}`);
}
