import { uniq } from '../../test/support/env';
import { profile, startTestSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(60_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys?.stop());

describe('a write whose outcome is not visible in time', () => {
  it('answers 202 with a status URL that later shows the outcome', async () => {
    // No projector yet: the command is decided, but nothing makes it visible.
    const app = await sys.start(['identity-app', 'identity-component'], { WRITE_WAIT_MS: '300' });
    await app.waitReady();
    const api = sys.api(app.port);
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    const res = await api.call('POST', '/users', { token, body: profile(sub) });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      status: 'pending',
      commandId: expect.any(String),
      statusUrl: `/api/v1/commands/${res.body.commandId}`,
    });
    expect(res.headers.get('location')).toBe(res.body.statusUrl);
    expect(
      (await api.call('GET', `/commands/${res.body.commandId}`, { token })).body,
    ).toMatchObject({ status: 'pending' });

    const projector = await sys.start(['identity-projector']);
    await projector.waitReady();
    let outcome: any;
    const deadline = Date.now() + 15_000;
    do {
      await new Promise((r) => setTimeout(r, 100));
      outcome = (await api.call('GET', `/commands/${res.body.commandId}`, { token })).body;
    } while (outcome.status === 'pending' && Date.now() < deadline);
    expect(outcome).toMatchObject({
      status: 'accepted',
      version: 1,
      streamId: expect.stringMatching(/^user-/),
    });
    // Someone else cannot read another caller's command.
    const other = await api.call('GET', `/commands/${res.body.commandId}`, {
      token: sys.issuer.token(`auth0|${uniq()}`),
    });
    expect(other.status).toBe(404);
    expect((await api.call('GET', '/users/me', { token })).status).toBe(200);
  });

  it('drains and exits cleanly on SIGTERM in the middle of writes', async () => {
    await Promise.all(sys.processes.map((p) => p.kill()));
    const all = await sys.start(['all']);
    await all.waitReady();
    const api = sys.api(all.port);
    const subs = Array.from({ length: 40 }, () => `auth0|${uniq()}`);
    const writes = subs.map((sub) =>
      api
        .call('POST', '/users', { token: sys.issuer.token(sub), body: profile(sub) })
        .catch(() => null),
    );
    await new Promise((r) => setTimeout(r, 30));
    const code = await all.kill('SIGTERM');
    expect(code).toBe(0);
    const answered = (await Promise.all(writes)).filter((r) => r !== null);
    for (const r of answered) expect([201, 202]).toContain(r.status);
    // Whatever was accepted before the stop is in the view once; the rest is still in the log.
    const again = await sys.start(['all']);
    await again.waitReady();
    const { rows } = await sys.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM identity.users WHERE auth0_id = ANY($1) GROUP BY auth0_id HAVING count(*) > 1',
      [subs],
    );
    expect(rows).toEqual([]);
  });
});
