import { userDecider, type UserState } from '../../components/identity/userDecider';
import type { EventEnvelope } from '../../contracts/envelope';
import {
  USER_CATEGORY,
  userEvents,
  type IdentityCommand,
  type IdentityEvent,
  type ModifyUser,
} from '../../contracts/identity';
import type { CategoryWriter } from '../../platform/eventlog/port';
import type { StanEventLog } from '../../platform/eventlog/stanEventLog';
import { nameId } from '../../platform/ids';
import { testPrefix, uniq, type TestDatabase } from '../../test/support/env';
import {
  Author,
  duplicate,
  redelivering,
  rowCount,
  TestProjector,
  typesOf,
  withProjectionServers,
} from '../../test/support/projections';
import { findUserByAuth0Id, findUserById, type UserWithVersion } from './usersView';
import { usersProjection } from './usersProjection';

jest.setTimeout(60_000);

const prefix = testPrefix();

let log: StanEventLog;
let writer: CategoryWriter;
let author: Author<IdentityCommand, IdentityEvent, UserState>;
let one: TestDatabase;
let many: TestDatabase;
let live: TestProjector;
let batched: TestProjector;

withProjectionServers(
  'users',
  prefix,
  [USER_CATEGORY],
  (servers) => {
    ({ log, one, many } = servers);
    writer = servers.writers[0]!;
    author = new Author(writer, userDecider);
  },
  () => [live, batched],
);

// Users keyed as the identity app keys them: a name-based id of their Auth0 subject.
const subs: string[] = [];
const streamOf = (sub: string) => `${USER_CATEGORY}-${nameId('user', sub)}`;

function register(n: number): string[] {
  const added: string[] = [];
  for (let i = 0; i < n; i++) {
    const sub = `auth0|user-${uniq()}`;
    const id = nameId('user', sub);
    author.send(
      streamOf(sub),
      {
        type: 'AddUser',
        data: {
          id,
          auth0Id: sub,
          email: `${sub.slice(6)}@example.com`,
          emailVerified: i % 2 === 0,
          firstName: `First ${i}`,
          lastName: `Last ${i}`,
          picture: '',
          locale: 'en',
        },
      },
      sub,
    );
    subs.push(sub);
    added.push(sub);
  }
  return added;
}

const modify = (sub: string, data: ModifyUser) =>
  author.send(streamOf(sub), { type: 'ModifyUser', data }, sub);

/** Profile changes of every kind: one field, all of them, a picture set and cleared, several in a row. */
function edit(who: string[], round: number): void {
  who.forEach((sub, i) => {
    if (i % 4 === 0) modify(sub, { firstName: `Renamed ${round}.${i}` });
    if (i % 4 === 1)
      modify(sub, {
        firstName: `F${round}`,
        lastName: `L${round}`,
        picture: `https://cdn.example.com/${round}/${i}.png`,
        locale: 'fr-CA',
      });
    if (i % 4 === 2) {
      modify(sub, { picture: `https://cdn.example.com/${i}.png` });
      modify(sub, { picture: '' });
    }
    if (i % 4 === 3) for (let k = 0; k < 3; k++) modify(sub, { lastName: `Step ${round}.${k}` });
  });
}

/** A user as a fold of their events with the user decider, in the shape the identity app reads. */
function expectedUser(events: EventEnvelope[]): UserWithVersion {
  const state = events.reduce(
    (s, e) => userDecider.evolve(s, e as unknown as IdentityEvent),
    userDecider.initialState(),
  );
  if (!state.registered) throw new Error('a user of the story was never registered');
  const { id, auth0Id, email, emailVerified, firstName, lastName, picture, locale } = state.user;
  return {
    version: events[events.length - 1]!.version,
    user: {
      id,
      auth0Id,
      email,
      emailVerified,
      firstName,
      lastName,
      picture,
      locale,
      createdAt: events[0]!.metadata.timestamp,
      updatedAt: events[events.length - 1]!.metadata.timestamp,
    },
  };
}

async function expectViewsFollowTheLog(db: TestDatabase): Promise<void> {
  for (const sub of subs) {
    const expected = expectedUser(author.eventsOf(streamOf(sub)));
    expect(await findUserByAuth0Id(db.pool, sub)).toEqual(expected);
    expect(await findUserById(db.pool, expected.user.id)).toEqual(expected);
  }
  expect(await rowCount(db, 'identity.users')).toBe(subs.length);
}

describe('the users projection', () => {
  it('applies every user event as the user decider folds it, one entry per transaction or hundreds', async () => {
    live = await TestProjector.start(log, one, usersProjection, 1);
    const first = register(24);
    edit(first, 1);
    // Refusals are entries of the log too: they change no view.
    const again = {
      id: nameId('user', first[0]!),
      auth0Id: first[0]!,
      email: 'again@example.com',
      emailVerified: true,
      firstName: 'Again',
      lastName: '',
      picture: '',
      locale: '',
    };
    expect(author.refused(streamOf(first[0]!), { type: 'AddUser', data: again }, first[0]!)).toBe(
      'already_exists',
    );
    expect(
      author.refused(
        streamOf('auth0|nobody'),
        { type: 'ModifyUser', data: { firstName: 'Ghost' } },
        'auth0|nobody',
      ),
    ).toBe('not_found');
    await author.flush();
    expect(typesOf(author.events)).toEqual(Object.keys(userEvents).sort());
    await live.caughtUp();
    batched = await TestProjector.start(log, many, usersProjection, 500);
    await batched.caughtUp();
    expect(batched.host.stats.batches).toBeLessThan(batched.host.stats.entries / 5);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
  });

  it('resumes from its checkpoint after a restart, changing users it wrote before', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    const checkpoints = [live.host.position, batched.host.position];
    edit(subs.slice(0, 12), 2);
    edit(register(8), 3);
    await author.flush();
    live = await TestProjector.start(log, one, usersProjection, 1);
    batched = await TestProjector.start(log, many, usersProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect([live.host.stats.entries, batched.host.stats.entries]).toEqual([
      live.host.position - checkpoints[0]!,
      batched.host.position - checkpoints[1]!,
    ]);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
  });

  it('changes nothing for a duplicated entry or a redelivered one', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    // Old registrations and changes published again: applied twice, they would undo later changes.
    const copies = author.entries.slice(0, 50);
    await duplicate(log, prefix, USER_CATEGORY, copies);
    modify(subs[3]!, { locale: 'de' });
    await author.flush();
    const flaky = redelivering(log);
    live = await TestProjector.start(flaky, one, usersProjection, 1);
    batched = await TestProjector.start(flaky, many, usersProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect(flaky.redelivered).toBeGreaterThan(0);
    for (const p of [live, batched])
      expect(p.host.stats.duplicates).toBeGreaterThanOrEqual(copies.flat().length);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
  });
});
