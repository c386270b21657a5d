import { onTestLog, testLog, uniq } from '../../test/support/env';
import {
  profile,
  startWholeSystem,
  type TestSystem,
  eventsInChosenLog,
} from '../../test/support/system';

jest.setTimeout(60_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startWholeSystem();
});
afterAll(() => sys?.stop());

const api = () => sys.api();

/** How many commands reached the log, read from the log itself. */
async function commandsInLog(): Promise<number> {
  const log = await testLog(sys.db, sys.prefix, 'count');
  try {
    let commands = 0;
    // Readers mark the end of what they read with a fence; those are not commands.
    await log.read('user', 'command', 1, (d) => (commands += JSON.parse(d.body).fence ? 0 : 1));
    return commands;
  } finally {
    await log.close();
  }
}

describe(onTestLog('identity over HTTP'), () => {
  it('answers 404 with the standard reason phrase until the user registers, then reads the user at once', async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub, { email: profile(sub).email, email_verified: true });
    const before = await api().call('GET', '/users/me', { token });
    expect(before.status).toBe(404);
    expect(before.statusText).toBe('Not Found');
    expect(before.headers.get('content-type')).toMatch(/application\/json/);
    expect(before.body).toEqual({ error: expect.any(String) });

    const created = await api().call('POST', '/users', { token, body: profile(sub) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ...profile(sub),
      id: expect.any(String),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    const me = await api().call('GET', '/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.auth0Id).toBe(sub);
    expect(me.body).toEqual(created.body);

    const again = await api().call('POST', '/users', { token, body: profile(sub) });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(created.body.id);
  });

  it('registers twenty concurrent attempts as one user: one 201, the rest 202', async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => api().call('POST', '/users', { token, body: profile(sub) })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 202)).toHaveLength(19);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const { rows } = await sys.db.pool.query(
      'SELECT count(*)::int AS n FROM identity.users WHERE auth0_id = $1',
      [sub],
    );
    expect(rows[0].n).toBe(1);
  });

  it('trusts the token, not the body: another auth0Id is 403', async () => {
    const token = sys.issuer.token(`auth0|${uniq()}`);
    const res = await api().call('POST', '/users', { token, body: profile('auth0|someone-else') });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/auth0Id/);
  });

  it('takes email and its verification from the token when the token carries them', async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub, { email: 'real@example.com', email_verified: false });
    const spoofed = await api().call('POST', '/users', {
      token,
      body: { ...profile(sub), email: 'ceo@example.com' },
    });
    expect(spoofed.status).toBe(403);
    const created = await api().call('POST', '/users', {
      token,
      body: { ...profile(sub), email: 'REAL@example.com', emailVerified: true },
    });
    expect(created.status).toBe(201);
    expect(created.body.emailVerified).toBe(false);
  });

  it('refuses bad bodies with a clear error, and nothing reaches the log', async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    const { email: _, ...noEmail } = profile(sub);
    const cases: Array<
      [string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number, RegExp]
    > = [
      ['missing email', { body: noEmail }, 400, /email/],
      ['wrong type', { body: { ...profile(sub), emailVerified: 'yes' } }, 400, /emailVerified/],
      ['unknown field', { body: { ...profile(sub), admin: true } }, 400, /admin.*unknown field/],
      ['bad email', { body: { ...profile(sub), email: 'nope' } }, 400, /email/],
      [
        'not JSON',
        { raw: '{"auth0Id": ', headers: { 'Content-Type': 'application/json' } },
        400,
        /not valid JSON/,
      ],
      ['an array', { body: [profile(sub)] }, 400, /body/],
      ['no body', {}, 400, /body/],
      ['not JSON at all', { raw: 'hello', headers: { 'Content-Type': 'text/plain' } }, 415, /JSON/],
      [
        '1 MB of junk',
        { raw: 'x'.repeat(1024 * 1024), headers: { 'Content-Type': 'application/json' } },
        413,
        /larger than/,
      ],
    ];
    const logBefore = await commandsInLog();
    for (const [name, opts, status, error] of cases) {
      const res = await api().call('POST', '/users', { token, ...opts });
      expect({ name, status: res.status }).toEqual({ name, status });
      expect({ name, error: res.body.error }).toEqual({
        name,
        error: expect.stringMatching(error),
      });
    }
    expect(await commandsInLog()).toBe(logBefore);
    expect((await api().call('GET', '/users/me', { token })).status).toBe(404);
  });

  it('modifies the user with PATCH /users/me, honouring If-Match', async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    expect(
      (await api().call('PATCH', '/users/me', { token, body: { firstName: 'Nobody' } })).status,
    ).toBe(404);
    await api().call('POST', '/users', { token, body: profile(sub) });
    const patched = await api().call('PATCH', '/users/me', {
      token,
      body: { firstName: 'Ada', locale: 'fr' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ firstName: 'Ada', locale: 'fr', lastName: 'User' });
    expect(patched.headers.get('etag')).toBe('"2"');
    expect((await api().call('GET', '/users/me', { token })).body.firstName).toBe('Ada');

    const stale = await api().call('PATCH', '/users/me', {
      token,
      body: { firstName: 'Late' },
      headers: { 'If-Match': '"1"' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatch(/version/);
    const fresh = await api().call('PATCH', '/users/me', {
      token,
      body: { firstName: 'On time' },
      headers: { 'If-Match': '"2"' },
    });
    expect(fresh.status).toBe(200);
    expect(
      (await api().call('PATCH', '/users/me', { token, body: { role: 'admin' } })).status,
    ).toBe(400);
    expect((await api().call('PATCH', '/users/me', { token, body: {} })).status).toBe(400);
  });

  it('treats a retried request with the same Idempotency-Key as one command', async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    await api().call('POST', '/users', { token, body: profile(sub) });
    const headers = { 'Idempotency-Key': `rename-${uniq()}` };
    const first = await api().call('PATCH', '/users/me', {
      token,
      body: { lastName: 'Once' },
      headers,
    });
    const second = await api().call('PATCH', '/users/me', {
      token,
      body: { lastName: 'Once' },
      headers,
    });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
  });

  it('authenticates with RS256 tokens from the configured issuer and audience only', async () => {
    const sub = `auth0|${uniq()}`;
    expect((await api().call('GET', '/users/me')).status).toBe(401);
    const forged = await api().call('GET', '/users/me', { token: sys.issuer.forgedToken(sub) });
    expect(forged.status).toBe(401);
    expect(forged.body.error).toMatch(/Unauthorized/);
    const wrongAudience = await api().call('GET', '/users/me', {
      token: sys.issuer.token(sub, {}, { audience: 'https://other' }),
    });
    expect(wrongAudience.status).toBe(401);
    const expired = await api().call('GET', '/users/me', {
      token: sys.issuer.token(sub, { exp: Math.floor(Date.now() / 1000) - 60 }),
    });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: 'Unauthorized: token expired' });
    // The verifier's expectations are not echoed to the caller.
    expect(wrongAudience.body).toEqual({ error: 'Unauthorized: invalid token' });
  });

  it('allows the frontend’s headers and methods in CORS preflight', async () => {
    const port = sys.processes[0]!.port;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/users/me`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:3000',
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers':
          'authorization,content-type,cache-control,strict-transport-security,accept',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const h of [
      'authorization',
      'accept',
      'content-type',
      'cache-control',
      'strict-transport-security',
    ])
      expect(allowed).toContain(h);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/GET.*POST.*PATCH.*DELETE/);
  });

  it('lets a page of another origin read the version, the location and when to try again', async () => {
    const port = sys.processes[0]!.port;
    // An answer, an error too: a 503's Retry-After is read from an error.
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/users/me`, {
      headers: { Origin: 'http://localhost:3000' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = res.headers
      .get('access-control-expose-headers')!
      .split(',')
      .map((h) => h.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'location', 'retry-after']));
  });

  it('reports liveness and readiness', async () => {
    const port = sys.processes[0]!.port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: expect.objectContaining({
        'identity-app.log': true,
        'identity-projector.postgres': true,
      }),
    });
  });
});

describe(onTestLog('identity over HTTP: where it wrote'), () => {
  it('keeps the users in the log this run chose (a role on another log would leave it empty)', async () => {
    expect(await eventsInChosenLog(sys, 'user')).toBeGreaterThan(0);
  });
});
