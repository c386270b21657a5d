import { boardDecider } from '../../components/projects/boardDecider';
import { teamDecider } from '../../components/teams/teamDecider';
import { PROJECT_CATEGORY } from '../../contracts/projects';
import { TEAM_CATEGORY, teamEvents } from '../../contracts/teams';
import type { CategoryWriter } from '../../platform/eventlog/port';
import type { StanEventLog } from '../../platform/eventlog/stanEventLog';
import { newId } from '../../platform/ids';
import { testPrefix, uniq, type TestDatabase } from '../../test/support/env';
import {
  administersEveryTeam,
  Author,
  duplicate,
  redelivering,
  TestProjector,
  typesOf,
  withProjectionServers,
} from '../../test/support/projections';
import { TeamStory } from '../../test/support/teamStory';
import { findProject, listProjects, teamRole } from './boardQueries';
import { boardsProjection } from './boardsProjection';
import { teamAccessProjection } from './teamAccessProjection';

jest.setTimeout(60_000);

const prefix = testPrefix();
const OWNER = `auth0|owner-${uniq()}`;

let log: StanEventLog;
let teamWriter: CategoryWriter;
let projectWriter: CategoryWriter;
let story: TeamStory;
let one: TestDatabase;
let many: TestDatabase;
let live: TestProjector;
let batched: TestProjector;
/** The boards of the same views, so access is read the way apps read it: through a project. */
const boards: TestProjector[] = [];

withProjectionServers(
  'access',
  prefix,
  [TEAM_CATEGORY, PROJECT_CATEGORY],
  (servers) => {
    ({ log, one, many } = servers);
    [teamWriter, projectWriter] = servers.writers as [CategoryWriter, CategoryWriter];
    story = new TeamStory(teamWriter);
  },
  () => [live, batched, ...boards],
);

/** Apollo's board, shared with its team; Gemini has none. */
async function shareABoard(): Promise<void> {
  const projects = new Author(projectWriter, boardDecider, undefined, administersEveryTeam(OWNER));
  projects.send(
    `${PROJECT_CATEGORY}-${story.projectId}`,
    {
      type: 'AddProject',
      data: { id: story.projectId, name: 'Apollo', userId: newId(), teamId: story.apollo },
    },
    OWNER,
  );
  await projects.flush();
  for (const db of [one, many]) {
    const b = await TestProjector.start(log, db, boardsProjection, 500);
    boards.push(b);
    await b.caughtUp();
  }
}

/**
 * Who belongs to which team with what role, as a fold of the team events with the team's own
 * decider has it, read back through the queries the projects app checks access with.
 */
async function expectAccessFollowsTheLog(db: TestDatabase): Promise<void> {
  const expected: Array<[string, string, string, string]> = [];
  for (const teamId of story.teams) {
    const team = story.author
      .eventsOf(`${TEAM_CATEGORY}-${teamId}`)
      .reduce((t, e) => teamDecider.evolve(t, e as never), teamDecider.initialState());
    for (const m of Object.values(team.members)) expected.push([teamId, m.userId, m.sub, m.role]);
    for (const p of Object.values(story.people)) {
      expect({ teamId, sub: p.sub, role: await teamRole(db.pool, teamId, p.sub) }).toEqual({
        teamId,
        sub: p.sub,
        role: team.members[p.userId]?.role ?? null,
      });
    }
  }
  const apollo = story.team(story.apollo);
  for (const p of Object.values(story.people)) {
    const role = apollo.members[p.userId]?.role ?? null;
    expect({
      sub: p.sub,
      access: (await findProject(db.pool, story.projectId, p.sub))?.access,
    }).toEqual({ sub: p.sub, access: role });
    expect({ sub: p.sub, sees: (await listProjects(db.pool, p.sub)).map((x) => x.id) }).toEqual({
      sub: p.sub,
      sees: role ? [story.projectId] : [],
    });
  }
  const { rows } = await db.pool.query<{
    team_id: string;
    user_id: string;
    sub: string;
    role: string;
  }>('SELECT * FROM projects.team_members');
  expect(rows.map((r) => [r.team_id, r.user_id, r.sub, r.role]).sort()).toEqual(expected.sort());
}

describe("the projects context's record of team members", () => {
  it('follows every membership event of the team category, one entry per transaction or hundreds', async () => {
    await shareABoard();
    live = await TestProjector.start(log, one, teamAccessProjection, 1);
    story.actOne();
    await story.author.flush();
    await live.caughtUp();
    batched = await TestProjector.start(log, many, teamAccessProjection, 500);
    await batched.caughtUp();
    expect(batched.host.stats.batches).toBeLessThan(batched.host.stats.entries / 3);
    // The story tells every team event, membership or not: the projection must pass over the others.
    expect(typesOf(story.author.events)).toEqual(Object.keys(teamEvents).sort());
    await expectAccessFollowsTheLog(one);
    await expectAccessFollowsTheLog(many);
    // Bob administers Apollo; Dee was removed; Ada left Gemini.
    expect(await teamRole(many.pool, story.apollo, story.people.bob.sub)).toBe('administrator');
    expect(await findProject(many.pool, story.projectId, story.people.dee.sub)).toMatchObject({
      access: null,
    });
  });

  it('resumes from its checkpoint after a restart', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    const checkpoints = [live.host.position, batched.host.position];
    story.actTwo();
    await story.author.flush();
    live = await TestProjector.start(log, one, teamAccessProjection, 1);
    batched = await TestProjector.start(log, many, teamAccessProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect([live.host.stats.entries, batched.host.stats.entries]).toEqual([
      live.host.position - checkpoints[0]!,
      batched.host.position - checkpoints[1]!,
    ]);
    await expectAccessFollowsTheLog(one);
    await expectAccessFollowsTheLog(many);
    // Dee is back, as an editor.
    expect(await findProject(many.pool, story.projectId, story.people.dee.sub)).toMatchObject({
      access: 'editor',
    });
  });

  it('changes nothing for a duplicated entry or a redelivered one', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    // Copies of a removal and a leave among them: applied again, they would undo what came after.
    const copies = story.author.entries;
    await duplicate(log, prefix, TEAM_CATEGORY, copies);
    story.role(story.apollo, story.people.dee, 'viewer', story.people.cy);
    await story.author.flush();
    const flaky = redelivering(log);
    live = await TestProjector.start(flaky, one, teamAccessProjection, 1);
    batched = await TestProjector.start(flaky, many, teamAccessProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect(flaky.redelivered).toBeGreaterThan(0);
    for (const p of [live, batched])
      expect(p.host.stats.duplicates).toBeGreaterThanOrEqual(copies.flat().length);
    await expectAccessFollowsTheLog(one);
    await expectAccessFollowsTheLog(many);
  });
});
