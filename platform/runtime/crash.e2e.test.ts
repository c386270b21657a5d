import { uniq } from '../../test/support/env';
import { profile, startTestSystem, type TestSystem } from '../../test/support/system';
import type { RoleProcess } from '../../test/support/processes';

jest.setTimeout(120_000);

/**
 * Roles as separate processes, one of them killed with SIGKILL in the middle of a burst of
 * registrations and started again: every user ends up in the view exactly once, and every
 * accepted request's outcome can be read.
 */
describe.each(['identity-projector', 'identity-component'])('crash of %s mid-burst', (victim) => {
  let sys: TestSystem;
  let app: RoleProcess;
  const others = ['identity-projector', 'identity-component'].filter((r) => r !== victim);

  beforeAll(async () => {
    sys = await startTestSystem();
    app = await sys.start(['identity-app']);
    await (await sys.start(others)).waitReady();
    await app.waitReady();
  });
  afterAll(() => sys?.stop());

  it('loses nothing and duplicates nothing', async () => {
    let target = await sys.start([victim]);
    await target.waitReady();
    const subs = Array.from({ length: 150 }, () => `auth0|${uniq()}`);
    const api = sys.api(app.port);
    let sent = 0;
    const register = async (sub: string) => {
      sent++;
      return {
        sub,
        res: await api.call('POST', '/users', { token: sys.issuer.token(sub), body: profile(sub) }),
      };
    };
    // Eight clients at a time; the victim dies a third of the way through.
    const queue = [...subs];
    const results: Array<{ sub: string; res: { status: number; body: any } }> = [];
    const killer = (async () => {
      while (sent < subs.length / 3) await new Promise((r) => setTimeout(r, 5));
      await target.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      target = await sys.start([victim]);
    })();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let sub = queue.shift(); sub; sub = queue.shift()) results.push(await register(sub));
      }),
    );
    await killer;
    await target.waitReady();

    // Requests that waited longer than the bound got 202 and a status URL: follow it.
    for (const r of results) {
      expect([201, 202]).toContain(r.res.status);
      if (r.res.body.status === 'pending') {
        const token = sys.issuer.token(r.sub);
        const deadline = Date.now() + 30_000;
        let outcome: any;
        do {
          await new Promise((res) => setTimeout(res, 100));
          outcome = (await api.call('GET', `/commands/${r.res.body.commandId}`, { token })).body;
        } while (outcome.status === 'pending' && Date.now() < deadline);
        expect(outcome).toMatchObject({ status: 'accepted' });
      }
    }
    const { rows } = await sys.db.pool.query<{ auth0_id: string; n: number }>(
      'SELECT auth0_id, count(*)::int AS n FROM identity.users GROUP BY auth0_id',
    );
    expect(rows.filter((r) => subs.includes(r.auth0_id)).map((r) => r.n)).toEqual(
      subs.map(() => 1),
    );
    for (const sub of subs.slice(0, 10)) {
      expect((await api.call('GET', '/users/me', { token: sys.issuer.token(sub) })).status).toBe(
        200,
      );
    }
  });
});
