import { projectShareCommandId } from '../../contracts/teams';
import { eventually, testStanLog, uniq } from '../../test/support/env';
import { profile, startTestSystem, type TestSystem } from '../../test/support/system';
import { newId } from '../../platform/ids';
import { nameId } from '../../contracts/ids';

jest.setTimeout(120_000);

/*
 * Creating a team for a project is two steps on two aggregates: the team, then the board shared
 * with it. The second is a process (projects-reactor): here it is not running when the team is
 * made, as if the process had died between the steps, and the share completes once it runs.
 */
let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
  const roles = ['identity', 'projects', 'teams'].flatMap((c) => [
    `${c}-app`,
    `${c}-component`,
    `${c}-projector`,
  ]);
  // A short write wait: the request waits for a share that will not come while the reactor is down.
  await (await sys.start(roles, { WRITE_WAIT_MS: '1500' })).waitReady(60_000);
});
afterAll(() => sys?.stop());

it('shares the board with the team made for it once the process runs, even if it was down when the team was made', async () => {
  const sub = `auth0|owner-${uniq()}`;
  const token = sys.issuer.token(sub);
  const call = (method: string, path: string, body?: unknown) =>
    sys.api().call(method, path, { token, body });
  expect((await call('POST', '/users', profile(sub))).status).toBe(201);
  const project = (await call('POST', '/projects', { name: 'Client work' })).body;
  const earlier = (await call('POST', '/projects', { name: 'Earlier work' })).body;

  // A team recorded before the process existed, for another board: its request shared that board
  // itself (or lost it for good); the process must not share it now.
  const log = await testStanLog(sys.db, sys.prefix, 'history');
  const oldTeam = newId();
  const metadata = {
    traceId: 't',
    correlationId: 'c',
    causationId: null,
    userId: sub,
    timestamp: new Date().toISOString(),
  };
  await log.publish(
    `${sys.prefix}team.event`,
    JSON.stringify({
      events: [
        {
          id: newId(),
          type: 'TeamCreated',
          streamId: `team-${oldTeam}`,
          version: 1,
          data: { id: oldTeam, name: 'Old', userId: nameId('user', sub), projectId: earlier.id },
          metadata,
        },
        {
          id: newId(),
          type: 'MembershipCreated',
          streamId: `team-${oldTeam}`,
          version: 2,
          data: { userId: nameId('user', sub), sub, role: 'administrator' },
          metadata,
        },
      ],
    }),
  );
  await log.close();

  // The first step: the team exists and the answer shows it; the board is not shared yet.
  const created = await call('POST', '/users/teams', { name: 'Acme', projectId: project.id });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id: expect.any(String), name: 'Acme' });
  const teamId: string = created.body.id;
  expect((await call('GET', `/projects/${project.id}`)).body.teamId).toBeNull();
  expect((await call('GET', `/commands/${projectShareCommandId(teamId)}`)).body).toMatchObject({
    status: 'pending',
  });

  // The process runs (restarted after a crash, or deployed late): the second step completes.
  const reactor = await sys.start(['projects-reactor']);
  await reactor.waitReady();
  await eventually(
    async () => (await call('GET', `/projects/${project.id}`)).body.teamId === teamId,
    15_000,
    'the board to be shared',
  );
  // Under the id derived from the team: whoever sends it again, the board decides it once.
  expect((await call('GET', `/commands/${projectShareCommandId(teamId)}`)).body).toMatchObject({
    status: 'accepted',
  });
  expect((await call('GET', `/projects/${project.id}/board`)).status).toBe(200);

  // Started again, it finds nothing left to do; the old team's board stays as its request left it.
  const version = (await call('GET', `/projects/${project.id}`)).headers.get('etag');
  await reactor.kill('SIGTERM');
  await (await sys.start(['projects-reactor'])).waitReady();
  const another = (
    await call('POST', '/users/teams', {
      name: 'Later',
      projectId: (await call('POST', '/projects', { name: 'Later work' })).body.id,
    })
  ).body;
  await eventually(
    async () =>
      (await call('GET', `/commands/${projectShareCommandId(another.id)}`)).body.status ===
      'accepted',
    15_000,
    'a later share',
  );
  expect((await call('GET', `/projects/${project.id}`)).headers.get('etag')).toBe(version);
  expect((await call('GET', `/projects/${earlier.id}`)).body.teamId).toBeNull();
});
