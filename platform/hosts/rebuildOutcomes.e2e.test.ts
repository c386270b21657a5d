import { eventually, uniq } from '../../test/support/env';
import { runRebuild } from '../../test/support/rebuildCli';
import { profile, startTestSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(120_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys?.stop());

/**
 * A rebuild applies into its new views whatever the log holds when it swaps them in, also what
 * the live projector has not committed yet. The live projector then follows from the new views'
 * checkpoint and never sees those entries: their commands' outcomes are the rebuild's to record,
 * or the requests waiting on them are never told (once seen in CI: a write during a rebuild
 * answered 202, and its status stayed "pending"). Here the live projector is away for the whole
 * rebuild, so everything written meanwhile is past its checkpoint.
 */
describe('npm run rebuild, with the live projector behind', () => {
  it('records the outcomes of what it applied past the live checkpoint, and the live projector goes on from there', async () => {
    const app = await sys.start([
      'identity-app',
      'identity-component',
      'identity-projector',
      'projects-app',
      'projects-component',
    ]);
    let projector = await sys.start(['projects-projector']);
    await Promise.all([app.waitReady(60_000), projector.waitReady(60_000)]);
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    const call = (method: string, path: string, body?: unknown) =>
      sys.api(app.port).call(method, path, { token, body });
    expect((await call('POST', '/users', profile(sub))).status).toBe(201);
    const pid = (await call('POST', '/projects', { name: 'Behind' })).body.id as string;
    const [column] = (await call('GET', `/projects/${pid}/columns`)).body as Array<{ id: string }>;

    await projector.kill();
    const pending = await call('POST', `/projects/${pid}/columns/${column!.id}/tasks`, {
      title: 'written while the projector was away',
    });
    expect(pending.status).toBe(202);
    const status = async () =>
      ((await call('GET', `/commands/${pending.body.commandId}`)).body as { status: string })
        .status;
    expect(await status()).toBe('pending');

    const result = await runRebuild(sys, 'projects');
    expect(result.code).toBe(0);
    // Told by the swap: nothing else will ever record it.
    await eventually(async () => (await status()) === 'accepted', 10_000, 'the outcome');
    expect(
      ((await call('GET', `/projects/${pid}/tasks`)).body as Array<{ title: string }>).map(
        (t) => t.title,
      ),
    ).toEqual(['written while the projector was away']);

    // The live projector, back, follows from the new views' checkpoint.
    projector = await sys.start(['projects-projector']);
    await projector.waitReady(60_000);
    const after = await call('POST', `/projects/${pid}/columns/${column!.id}/tasks`, {
      title: 'after',
    });
    expect(after.status).toBe(201);
  });
});
