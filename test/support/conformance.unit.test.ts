import { conformanceProblem, type Exchange } from './conformance';

const user = {
  id: '0b0b7f3e-3c1a-5a4e-9d0f-1f2e3d4c5b6a',
  auth0Id: 'auth0|ada',
  email: 'ada@example.com',
  emailVerified: true,
  firstName: 'Ada',
  lastName: 'Lovelace',
  picture: 'https://example.com/ada.png',
  locale: 'en',
  createdAt: '2026-01-31T12:00:00.000Z',
  updatedAt: '2026-01-31T12:00:00.000Z',
};
const json = (extra: Record<string, string> = {}) =>
  new Headers({ 'content-type': 'application/json; charset=utf-8', ...extra });
const me = (over: Partial<Exchange>): Exchange => ({
  method: 'GET',
  path: '/api/v1/users/me',
  status: 200,
  headers: json({ etag: '"1"' }),
  body: user,
  ...over,
});

describe('holding an answer to the OpenAPI document', () => {
  it('passes an answer as documented', () => {
    expect(conformanceProblem(me({}))).toBeNull();
    expect(
      conformanceProblem(me({ status: 404, headers: json(), body: { error: 'not registered' } })),
    ).toBeNull();
  });

  it('fails a status the route does not list', () => {
    expect(conformanceProblem(me({ status: 418 }))).toMatch(
      /answered 418 .*a status the document does not list for GET \/api\/v1\/users\/me \(it lists 200, 401, 404, 431, 500, 503\)/,
    );
  });

  it('fails a body its schema does not allow: a field missing, one more, one of another type', () => {
    const { email: _, ...noEmail } = user;
    expect(conformanceProblem(me({ body: noEmail }))).toMatch(/email/);
    expect(conformanceProblem(me({ body: { ...user, password: 'x' } }))).toMatch(/password/);
    expect(conformanceProblem(me({ body: { ...user, emailVerified: 'yes' } }))).toMatch(
      /emailVerified/,
    );
    expect(conformanceProblem(me({ status: 401, body: { message: 'no' } }))).toMatch(/error/);
  });

  it('fails a header the answer always carries, missing', () => {
    expect(conformanceProblem(me({ headers: json() }))).toMatch(/ETag/);
  });

  it('fails JSON answers in another type', () => {
    expect(
      conformanceProblem(
        me({ headers: new Headers({ etag: '"1"', 'content-type': 'text/plain' }) }),
      ),
    ).toMatch(/not JSON/);
  });

  it('picks the most specific route of a path', () => {
    const invites = { method: 'GET', path: '/api/v1/users/teams/invites', headers: json() };
    expect(conformanceProblem({ ...invites, status: 200, body: [] })).toBeNull();
    // A team's answer is not an invitation list's.
    expect(conformanceProblem({ ...invites, status: 200, body: {} })).toMatch(/invites/);
  });

  it('lets a path that is no route be refused for its headers before routing', () => {
    const tooLarge = {
      method: 'DELETE',
      path: '/api/v1/users/teams/./members/x',
      status: 431,
      headers: json(),
      body: { error: 'request headers are too large' },
    };
    expect(conformanceProblem(tooLarge)).toBeNull();
    expect(conformanceProblem({ ...tooLarge, status: 500 })).toMatch(/no route of the document/);
  });

  it('lets what the API does not serve be a 404 or a 405, with {error}', () => {
    const error = { error: 'Not Found' };
    expect(
      conformanceProblem({
        method: 'GET',
        path: '/api/v1/nothing',
        status: 404,
        headers: json(),
        body: error,
      }),
    ).toBeNull();
    expect(
      conformanceProblem({
        method: 'DELETE',
        path: '/api/v1/users/me',
        status: 405,
        headers: json(),
        body: error,
      }),
    ).toBeNull();
    expect(
      conformanceProblem({
        method: 'DELETE',
        path: '/api/v1/users/me',
        status: 200,
        headers: json(),
        body: user,
      }),
    ).toMatch(/no route/);
  });

  it('reads the path as the server gets it: no dot segments, no query', () => {
    const items = { method: 'DELETE', headers: json(), body: { error: 'not here' } };
    // `/items/.` is `/items/`, which takes only POST.
    const path = '/api/v1/estimates/217bb8d1-42da-4746-82dc-a1dbe6154231/items/.';
    expect(conformanceProblem({ ...items, path, status: 405 })).toBeNull();
    expect(conformanceProblem({ ...me({}), path: '/api/v1/users/me?fresh=1' })).toBeNull();
  });
});
