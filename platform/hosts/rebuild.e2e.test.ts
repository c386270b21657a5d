import { uniq } from '../../test/support/env';
import { runRebuild as rebuildCli } from '../../test/support/rebuildCli';
import { profile, startWholeSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(120_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startWholeSystem();
});
afterAll(() => sys?.stop());

const runRebuild = (context: string) => rebuildCli(sys, context);

const snapshot = async (tables: string[]) => {
  const out: Record<string, any[]> = {};
  for (const t of tables) out[t] = (await sys.db.pool.query(`SELECT * FROM ${t} ORDER BY id`)).rows;
  return out;
};

describe('npm run rebuild', () => {
  it('rebuilds the projects views aside and swaps them in while the API keeps answering', async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    const call = (method: string, path: string, body?: unknown) =>
      sys.api().call(method, path, { token, body });
    const pids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const pid = (await call('POST', '/projects', { name: `Board ${i}` })).body.id;
      pids.push(pid);
      const columns = (await call('GET', `/projects/${pid}/columns`)).body;
      for (let t = 0; t < 10; t++)
        await call('POST', `/projects/${pid}/columns/${columns[t % 4].id}/tasks`, {
          title: `t${t}`,
        });
    }
    const before = await snapshot(['projects.projects', 'projects.columns', 'projects.tasks']);

    // Reads and writes go on during the rebuild; every answer stays a success. A write may be
    // answered 202 (accepted, not visible within the wait: seen when CI's load slowed the
    // machine tenfold); its status URL must then tell it accepted.
    let stop = false;
    const reads: number[] = [];
    const writes: number[] = [];
    const pending: string[] = [];
    const traffic = (async () => {
      while (!stop) {
        reads.push((await call('GET', `/projects/${pids[0]}/board`)).status);
        const res = await call(
          'POST',
          `/projects/${pids[1]}/columns/${before['projects.columns']!.find((c: any) => c.project_id === pids[1])!.id}/tasks`,
          { title: 'during' },
        );
        writes.push(res.status);
        if (res.status === 202) pending.push(res.body.commandId);
      }
    })();
    const result = await runRebuild('projects');
    stop = true;
    await traffic;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/100%/);
    expect(result.stdout).toMatch(/rebuilt projects: \d+ entries, \d+ events .* views swapped in/);
    expect(reads.filter((s) => s !== 200)).toEqual([]);
    expect(writes.filter((s) => s !== 201 && s !== 202)).toEqual([]);
    for (const id of pending) {
      let outcome: any;
      const deadline = Date.now() + 30_000;
      do {
        outcome = (await call('GET', `/commands/${id}`)).body;
        if (outcome.status === 'pending') await new Promise((r) => setTimeout(r, 100));
      } while (outcome.status === 'pending' && Date.now() < deadline);
      expect(outcome).toMatchObject({ status: 'accepted' });
    }

    // Writes after the swap are visible at once: the live projector follows the new views.
    const after = await call(
      'POST',
      `/projects/${pids[2]}/columns/${before['projects.columns']!.find((c: any) => c.project_id === pids[2])!.id}/tasks`,
      { title: 'after' },
    );
    expect(after.status).toBe(201);
    expect(
      (await call('GET', `/projects/${pids[2]}/tasks`)).body.map((t: any) => t.title),
    ).toContain('after');
    const during = (await call('GET', `/projects/${pids[1]}/tasks`)).body.filter(
      (t: any) => t.title === 'during',
    );
    expect(during.length).toBe(writes.length);
    const now = await snapshot(['projects.projects', 'projects.tasks']);
    for (const p of before['projects.projects']!) {
      expect(now['projects.projects']!.find((q: any) => q.id === p.id)).toMatchObject({
        name: p.name,
        prefix: p.prefix,
      });
    }
    const { rows } = await sys.db.pool.query(
      "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'projects_%'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('rebuilds identity too', async () => {
    const subs = Array.from({ length: 5 }, () => `auth0|${uniq()}`);
    for (const s of subs)
      await sys.api().call('POST', '/users', { token: sys.issuer.token(s), body: profile(s) });
    const before = await snapshot(['identity.users']);
    const result = await runRebuild('identity');
    expect(result.code).toBe(0);
    expect(await snapshot(['identity.users'])).toEqual(before);
    const late = `auth0|${uniq()}`;
    expect(
      (
        await sys
          .api()
          .call('POST', '/users', { token: sys.issuer.token(late), body: profile(late) })
      ).status,
    ).toBe(201);
  });

  it('names the contexts it knows when asked for another', async () => {
    const result = await runRebuild('nonsense');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/contexts: identity, projects, teams/);
  });
});
