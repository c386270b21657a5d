import { teamDecider } from '../../components/teams/teamDecider';
import type { EventEnvelope } from '../../contracts/envelope';
import { TEAM_CATEGORY, teamEvents, type TeamEvent } from '../../contracts/teams';
import type { CategoryWriter } from '../../platform/eventlog/port';
import type { StanEventLog } from '../../platform/eventlog/stanEventLog';
import { testPrefix, type TestDatabase } from '../../test/support/env';
import {
  duplicate,
  redelivering,
  rowCount,
  TestProjector,
  typesOf,
  withProjectionServers,
} from '../../test/support/projections';
import { TeamStory } from '../../test/support/teamStory';
import {
  findInvite,
  findTeam,
  invitesFor,
  listMembers,
  listTeams,
  openInvites,
  roleIn,
  type Invite,
  type Member,
  type Team,
} from './teamQueries';
import { membershipId, teamsProjection } from './teamsProjection';

jest.setTimeout(60_000);

const prefix = testPrefix();

let log: StanEventLog;
let writer: CategoryWriter;
let story: TeamStory;
let one: TestDatabase;
let many: TestDatabase;
let live: TestProjector;
let batched: TestProjector;

withProjectionServers(
  'teams',
  prefix,
  [TEAM_CATEGORY],
  (servers) => {
    ({ log, one, many } = servers);
    writer = servers.writers[0]!;
    story = new TeamStory(writer);
  },
  () => [live, batched],
);

interface Expected {
  team: Team;
  members: Member[];
  invites: Invite[];
}

/**
 * A team as a fold of its events with the team's own decider has it, in the shapes the teams app
 * reads. The stamps are worked out from what each event means: a team is updated by every event;
 * a membership is created by its MembershipCreated and updated by role changes; an invitation is
 * updated by its answer.
 */
function expectedTeam(events: EventEnvelope[]): Expected {
  let team = teamDecider.initialState();
  let creator = '';
  const created = new Map<string, string>();
  const updated = new Map<string, string>();
  const touch = (id: string, at: string) => {
    if (!created.has(id)) created.set(id, at);
    updated.set(id, at);
  };
  for (const envelope of events) {
    const e = envelope as unknown as TeamEvent;
    const at = envelope.metadata.timestamp;
    touch('team', at);
    if (e.type === 'TeamCreated') creator = e.data.userId;
    if (e.type === 'MemberInvited') touch(e.data.inviteId, at);
    if (e.type === 'InviteAccepted' || e.type === 'InviteDeclined') touch(e.data.inviteId, at);
    if (e.type === 'MembershipCreated' || e.type === 'MembershipModified') touch(e.data.userId, at);
    if (e.type === 'MembershipRemoved') [created, updated].forEach((m) => m.delete(e.data.userId));
    team = teamDecider.evolve(team, e);
  }
  const stamps = (id: string) => ({ createdAt: created.get(id)!, updatedAt: updated.get(id)! });
  const members = Object.values(team.members)
    .map((m): Member => ({
      id: membershipId(team.id, m.userId),
      userId: m.userId,
      firstName: '',
      lastName: '',
      picture: '',
      email: '',
      teamId: team.id,
      role: m.role,
      ...stamps(m.userId),
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.userId.localeCompare(b.userId));
  const invites = Object.values(team.invites).map((i): Invite => ({
    id: i.inviteId,
    userId: null,
    teamId: team.id,
    teamName: team.name,
    email: i.email,
    read: i.status !== 'open',
    accepted: i.status === 'accepted',
    status: i.status,
    expiration: i.expiration,
    ...stamps(i.inviteId),
  }));
  return {
    team: { id: team.id, name: team.name, userId: creator, ...stamps('team') },
    members,
    invites,
  };
}

/** Every team of the log, read through the teams app's queries, equals the fold; nothing else is in the tables. */
async function expectViewsFollowTheLog(db: TestDatabase): Promise<void> {
  const all = story.teams.map((id) =>
    expectedTeam(story.author.eventsOf(`${TEAM_CATEGORY}-${id}`)),
  );
  for (const expected of all) {
    const id = expected.team.id;
    expect(await findTeam(db.pool, id)).toEqual(expected.team);
    expect(await listMembers(db.pool, id)).toEqual(expected.members);
    for (const invite of expected.invites)
      expect(await findInvite(db.pool, invite.id, null)).toEqual(invite);
    const open = expected.invites.filter((i) => i.status === 'open');
    expect(
      await openInvites(
        db.pool,
        id,
        Object.values(story.people).map((p) => p.email),
      ),
    ).toEqual(open.sort((a, b) => a.email.localeCompare(b.email)));
  }
  const invites = all.flatMap((t) => t.invites);
  const members = all.flatMap((t) => t.members);
  for (const p of Object.values(story.people)) {
    const mine = invites
      .filter((i) => i.email === p.email)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    expect({
      who: p.email,
      invites: await invitesFor(db.pool, p.email.toUpperCase(), p.userId),
    }).toEqual({ who: p.email, invites: mine.map((i) => ({ ...i, userId: p.userId })) });
    const teams = all
      .filter((t) => t.members.some((m) => m.userId === p.userId))
      .map((t) => t.team);
    expect({ who: p.email, teams: await listTeams(db.pool, p.sub) }).toEqual({
      who: p.email,
      teams,
    });
    for (const t of all) {
      expect({
        who: p.email,
        team: t.team.name,
        role: await roleIn(db.pool, t.team.id, p.sub),
      }).toEqual({
        who: p.email,
        team: t.team.name,
        role: t.members.find((m) => m.userId === p.userId)?.role ?? null,
      });
    }
  }
  expect([
    await rowCount(db, 'teams.teams'),
    await rowCount(db, 'teams.memberships'),
    await rowCount(db, 'teams.invites'),
  ]).toEqual([all.length, members.length, invites.length]);
}

describe('the teams projection', () => {
  it('applies every team event as the team decider folds it, one entry per transaction or hundreds', async () => {
    live = await TestProjector.start(log, one, teamsProjection, 1);
    story.actOne();
    await story.author.flush();
    expect(typesOf(story.author.events)).toEqual(Object.keys(teamEvents).sort());
    await live.caughtUp();
    batched = await TestProjector.start(log, many, teamsProjection, 500);
    await batched.caughtUp();
    expect(batched.host.stats.batches).toBeLessThan(batched.host.stats.entries / 3);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
    expect((await invitesFor(many.pool, story.people.cy.email, null)).map((i) => i.status)).toEqual(
      ['declined'],
    );
  });

  it('resumes from its checkpoint after a restart', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    const checkpoints = [live.host.position, batched.host.position];
    story.actTwo();
    await story.author.flush();
    live = await TestProjector.start(log, one, teamsProjection, 1);
    batched = await TestProjector.start(log, many, teamsProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect([live.host.stats.entries, batched.host.stats.entries]).toEqual([
      live.host.position - checkpoints[0]!,
      batched.host.position - checkpoints[1]!,
    ]);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
    // Cy was invited twice: the second, accepted, is the newest.
    expect((await invitesFor(many.pool, story.people.cy.email, null)).map((i) => i.status)).toEqual(
      ['accepted', 'declined'],
    );
  });

  it('changes nothing for a duplicated entry or a redelivered one', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    const copies = story.author.entries;
    await duplicate(log, prefix, TEAM_CATEGORY, copies);
    story.role(story.apollo, story.people.dee, 'viewer', story.people.cy);
    await story.author.flush();
    const flaky = redelivering(log);
    live = await TestProjector.start(flaky, one, teamsProjection, 1);
    batched = await TestProjector.start(flaky, many, teamsProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect(flaky.redelivered).toBeGreaterThan(0);
    for (const p of [live, batched])
      expect(p.host.stats.duplicates).toBeGreaterThanOrEqual(copies.flat().length);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
  });
});
