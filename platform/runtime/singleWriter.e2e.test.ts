import { eventually, uniq } from '../../test/support/env';
import { profile, startTestSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(90_000);

/** Two component processes racing for one category: only the lease holder writes. */
describe('one writer per category', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys?.stop());

  it('keeps the second instance standing by until the first dies, then it takes over', async () => {
    const rest = await sys.start(['identity-app', 'identity-projector']);
    await rest.waitReady();
    const first = await sys.start(['identity-component']);
    await first.waitReady();
    const second = await sys.start(['identity-component']);
    // Listening (its log session up) takes a moment on a busy machine; then it stands by.
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${second.port}/healthz`).catch(() => null))?.ok,
      20_000,
      'the second instance to listen',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await second.ready()).toBe(false);
    const standby: any = await (await fetch(`http://127.0.0.1:${second.port}/readyz`)).json();
    expect(standby.checks).toMatchObject({
      'identity-component.writer': false,
      'identity-component.log': true,
    });

    const api = sys.api(rest.port);
    const a = `auth0|${uniq()}`;
    expect(
      (await api.call('POST', '/users', { token: sys.issuer.token(a), body: profile(a) })).status,
    ).toBe(201);

    await first.kill('SIGKILL');
    await second.waitReady(20_000);
    const b = `auth0|${uniq()}`;
    expect(
      (await api.call('POST', '/users', { token: sys.issuer.token(b), body: profile(b) })).status,
    ).toBe(201);
    // The new writer rebuilt what the old one wrote: registering a again is still "already exists".
    expect(
      (await api.call('POST', '/users', { token: sys.issuer.token(a), body: profile(a) })).status,
    ).toBe(202);
  });

  it('lets exactly one of many conflicting writes win', async () => {
    await Promise.all(sys.processes.map((p) => p.kill()));
    const all = await sys.start(['all']);
    await all.waitReady();
    const api = sys.api(all.port);
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    await api.call('POST', '/users', { token, body: profile(sub) });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api.call('PATCH', '/users/me', {
          token,
          body: { firstName: `Writer ${i}` },
          headers: { 'If-Match': '"1"' },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    const winner = answers.find((a) => a.status === 200)!.body.firstName;
    expect((await api.call('GET', '/users/me', { token })).body).toMatchObject({
      firstName: winner,
    });
  });
});
