import type { ProjectEvent } from '../../contracts/projects';
import { spec } from '../../test/support/deciderSpec';
import { boardDecider, defaultColumnId } from './boardDecider';
import { prefixOf } from './board';
import { teamAccess, type TeamMembers } from './teamAccess';
import type { Known } from '../../platform/decider';
import type { TeamEvent } from '../../contracts/teams';
import { nameId } from '../../contracts/ids';

const P = '11111111-1111-4111-8111-111111111111';
const U = '22222222-2222-4222-8222-222222222222';
const T1 = '33333333-3333-4333-8333-333333333331';
const T2 = '33333333-3333-4333-8333-333333333332';
const T3 = '33333333-3333-4333-8333-333333333333';
const T4 = '33333333-3333-4333-8333-333333333334';
const C = (n: number) => defaultColumnId(P, n);
const owner = 'auth0|owner';

const noTeams: Known<TeamMembers> = new Map();
const board = spec(boardDecider, noTeams);
const created = (name = 'Devpie'): ProjectEvent[] => {
  const d = boardDecider.decide(
    { type: 'AddProject', data: { id: P, name, userId: U } },
    boardDecider.initialState(),
    {
      streamId: `project-${P}`,
      userId: owner,
      now: '',
    },
    noTeams,
  );
  if (!d.ok) throw new Error(d.reason);
  return d.events;
};
const task = (id: string, n: number, column = C(1)): ProjectEvent => ({
  type: 'TaskAdded',
  data: { id, columnId: column, seq: n, key: `Dev-${n}`, title: `task ${n}` },
});

describe('board decider', () => {
  it('creates a project with the four default columns', () => {
    board
      .given()
      .when({ type: 'AddProject', data: { id: P, name: 'Devpie', userId: U } }, { userId: owner })
      .then(
        {
          type: 'ProjectAdded',
          data: {
            id: P,
            name: 'Devpie',
            prefix: 'Dev-',
            description: '',
            active: true,
            public: false,
            teamId: null,
            userId: U,
            ownerId: owner,
          },
        },
        { type: 'ColumnAdded', data: { id: C(1), columnName: 'column-1', title: 'To Do' } },
        { type: 'ColumnAdded', data: { id: C(2), columnName: 'column-2', title: 'In Progress' } },
        { type: 'ColumnAdded', data: { id: C(3), columnName: 'column-3', title: 'Review' } },
        { type: 'ColumnAdded', data: { id: C(4), columnName: 'column-4', title: 'Done' } },
      );
  });

  it('makes a prefix from names of any length', () => {
    expect(prefixOf('Devpie')).toBe('Dev-');
    expect(prefixOf('Ab')).toBe('Ab-');
    expect(prefixOf('X')).toBe('X-');
    expect(prefixOf('日本語プロジェクト')).toBe('日本語-');
  });

  it('numbers tasks per project and never reuses a number after a delete', () => {
    const past = [
      ...created(),
      task(T1, 1),
      task(T2, 2),
      { type: 'TaskDestroyed' as const, data: { id: T2, columnId: C(1) } },
    ];
    board
      .given(...past)
      .when({ type: 'AddTask', data: { taskId: T3, columnId: C(1), title: 'three' } })
      .then({
        type: 'TaskAdded',
        data: { id: T3, columnId: C(1), seq: 3, key: 'Dev-3', title: 'three' },
      });
  });

  it('moves a task into another column in the order given', () => {
    const past = [...created(), task(T1, 1), task(T2, 2, C(2)), task(T3, 3, C(2))];
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, from: C(1), to: C(2), taskIds: [T2, T1, T3] } })
      .then({ type: 'TaskMoved', data: { id: T1, from: C(1), to: C(2), taskIds: [T2, T1, T3] } });
  });

  it('reorders within one column', () => {
    const past = [...created(), task(T1, 1), task(T2, 2), task(T3, 3)];
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T3, from: C(1), to: C(1), taskIds: [T3, T1, T2] } })
      .then({ type: 'TaskMoved', data: { id: T3, from: C(1), to: C(1), taskIds: [T3, T1, T2] } });
  });

  it.each([
    ['a task duplicated', [T2, T1, T1], /repeats/],
    ['no moved task', [T2, T3], /moved task/],
  ])('refuses a move whose taskIds has %s', (_, taskIds, reason) => {
    const past = [...created(), task(T1, 1), task(T2, 2, C(2)), task(T3, 3, C(3))];
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, from: C(1), to: C(2), taskIds } })
      .thenRefused('invalid', reason);
  });

  it('places a move on the order as it is now: tasks added and moved away since are no conflict', () => {
    // The caller saw [T2, T1, T3] in column 2; since then T3 left and T4 was added.
    const past = [
      ...created(),
      task(T1, 1),
      task(T2, 2, C(2)),
      task(T4, 4, C(2)),
      task(T3, 3, C(3)),
    ];
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, from: C(1), to: C(2), taskIds: [T2, T1, T3] } })
      .then({ type: 'TaskMoved', data: { id: T1, from: C(1), to: C(2), taskIds: [T2, T1, T4] } });
  });

  it('takes a place named by the task to follow or by index', () => {
    const past = [...created(), task(T1, 1), task(T2, 2, C(2)), task(T3, 3, C(2))];
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, to: C(2), afterTaskId: T2 } })
      .then({ type: 'TaskMoved', data: { id: T1, from: C(1), to: C(2), taskIds: [T2, T1, T3] } });
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, to: C(2), afterTaskId: null } })
      .then({ type: 'TaskMoved', data: { id: T1, from: C(1), to: C(2), taskIds: [T1, T2, T3] } });
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, from: C(1), to: C(2), index: 99 } })
      .then({ type: 'TaskMoved', data: { id: T1, from: C(1), to: C(2), taskIds: [T2, T3, T1] } });
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, to: C(2), afterTaskId: T4 } })
      .thenRefused('conflict', /follow/);
  });

  it('refuses a move from a column the task already left (a stale view)', () => {
    const past = [...created(), task(T1, 1, C(2))];
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, from: C(1), to: C(3), taskIds: [T1] } })
      .thenRefused('conflict');
  });

  it('refuses to delete a column that still holds tasks', () => {
    board
      .given(...created(), task(T1, 1))
      .when({ type: 'DestroyColumn', data: { columnId: C(1) } })
      .thenRefused('invalid', /1 task/);
    board
      .given(...created())
      .when({ type: 'DestroyColumn', data: { columnId: C(4) } })
      .then({
        type: 'ColumnDestroyed',
        data: { id: C(4), columnName: 'column-4' },
      });
  });

  it('names new columns after the highest number ever used', () => {
    const X = '44444444-4444-4444-8444-444444444444';
    board
      .given(...created(), { type: 'ColumnDestroyed', data: { id: C(4), columnName: 'column-4' } })
      .when({ type: 'AddColumn', data: { columnId: X, title: 'Blocked' } })
      .then({ type: 'ColumnAdded', data: { id: X, columnName: 'column-5', title: 'Blocked' } });
  });

  it('accepts a column order only when it lists exactly the columns', () => {
    board
      .given(...created())
      .when({ type: 'ModifyProject', data: { columnOrder: ['column-2', 'column-1'] } })
      .thenRefused('invalid');
    const order = ['column-4', 'column-3', 'column-2', 'column-1'];
    board
      .given(...created())
      .when({ type: 'ModifyProject', data: { columnOrder: order } })
      .then({ type: 'ProjectModified', data: { columnOrder: order } });
  });

  it('lets only the owner delete the project, and then it is gone', () => {
    board
      .given(...created())
      .when({ type: 'DestroyProject', data: {} }, { userId: 'auth0|other' })
      .thenRefused('forbidden');
    board
      .given(...created())
      .when({ type: 'DestroyProject', data: {} }, { userId: owner })
      .then({ type: 'ProjectDestroyed', data: { id: P } });
    board
      .given(...created(), { type: 'ProjectDestroyed', data: { id: P } })
      .when({ type: 'AddTask', data: { taskId: T1, columnId: C(1), title: 'x' } })
      .thenRefused('not_found');
  });

  describe('sharing', () => {
    const TEAM = '55555555-5555-4555-8555-555555555555';
    const OTHER_TEAM = '66666666-6666-4666-8666-666666666666';
    const admin = 'auth0|admin';
    const member = (sub: string): string => nameId('user', sub);
    /** The teams as the component knows them: folded from the team log's events, as the host does. */
    const teams = (...history: Array<[string, TeamEvent]>): Known<TeamMembers> => {
      const known = new Map<string, TeamMembers>();
      for (const [teamId, event] of history)
        known.set(teamId, teamAccess.evolve(known.get(teamId) ?? teamAccess.initialState(), event));
      return known;
    };
    const joined = (
      teamId: string,
      sub: string,
      role: 'administrator' | 'editor',
    ): [string, TeamEvent] => [
      teamId,
      { type: 'MembershipCreated', data: { userId: member(sub), sub, role } },
    ];
    const share = (teamId: string | null) => ({ type: 'ModifyProject' as const, data: { teamId } });

    it('lets an administrator of the team share the board with it', () => {
      board
        .given(...created())
        .knowing(teams(joined(TEAM, owner, 'administrator')))
        .when(share(TEAM), { userId: owner })
        .then({ type: 'ProjectModified', data: { teamId: TEAM } });
    });

    it('refuses to share with a team the caller does not administer, or that it does not know', () => {
      board
        .given(...created())
        .knowing(teams(joined(TEAM, owner, 'editor')))
        .when(share(TEAM), { userId: owner })
        .thenRefused('forbidden', /administrator of that team/);
      board
        .given(...created())
        .knowing(teams(joined(TEAM, admin, 'administrator')))
        .when(share(TEAM), { userId: owner })
        .thenRefused('forbidden');
      board
        .given(...created())
        .when(share(TEAM), { userId: owner })
        .thenRefused('forbidden');
    });

    it('refuses a share by an administrator demoted before it is decided', () => {
      const demoted = teams(
        joined(TEAM, owner, 'administrator'),
        joined(TEAM, admin, 'administrator'),
        [TEAM, { type: 'MembershipModified', data: { userId: member(owner), role: 'editor' } }],
      );
      board
        .given(...created())
        .knowing(demoted)
        .when(share(TEAM), { userId: owner })
        .thenRefused('forbidden');
      const removed = teams(joined(TEAM, owner, 'administrator'), [
        TEAM,
        { type: 'MembershipRemoved', data: { userId: member(owner), reason: 'left' } },
      ]);
      board
        .given(...created())
        .knowing(removed)
        .when(share(TEAM), { userId: owner })
        .thenRefused('forbidden');
    });

    it("moves a shared board only for its owner or its present team's administrators", () => {
      const sharedBoard = [
        ...created(),
        { type: 'ProjectModified' as const, data: { teamId: TEAM } },
      ];
      const known = teams(
        joined(TEAM, admin, 'administrator'),
        joined(OTHER_TEAM, admin, 'administrator'),
        joined(TEAM, 'auth0|editor', 'editor'),
        joined(OTHER_TEAM, 'auth0|editor', 'administrator'),
      );
      // An administrator of the board's team moves it to another team they administer, or unshares it.
      board
        .given(...sharedBoard)
        .knowing(known)
        .when(share(OTHER_TEAM), { userId: admin })
        .then({ type: 'ProjectModified', data: { teamId: OTHER_TEAM } });
      board
        .given(...sharedBoard)
        .knowing(known)
        .when(share(null), { userId: admin })
        .then({ type: 'ProjectModified', data: { teamId: null } });
      // The owner unshares without belonging to the team.
      board
        .given(...sharedBoard)
        .knowing(known)
        .when(share(null), { userId: owner })
        .then({ type: 'ProjectModified', data: { teamId: null } });
      // An editor of the board's team may not take the board to a team they administer.
      board
        .given(...sharedBoard)
        .knowing(known)
        .when(share(OTHER_TEAM), { userId: 'auth0|editor' })
        .thenRefused('forbidden', /owner or an administrator/);
      board
        .given(...sharedBoard)
        .knowing(known)
        .when(share(null), { userId: 'auth0|editor' })
        .thenRefused('forbidden');
    });

    it('matches team ids however the caller spelled them', () => {
      board
        .given(...created())
        .knowing(teams(joined(TEAM, owner, 'administrator')))
        .when(share(TEAM.toUpperCase()), { userId: owner })
        .then({ type: 'ProjectModified', data: { teamId: TEAM.toUpperCase() } });
    });

    it("creates a board shared with a team only for that team's administrators", () => {
      const add = {
        type: 'AddProject' as const,
        data: { id: P, name: 'Devpie', userId: U, teamId: TEAM },
      };
      board
        .given()
        .knowing(teams(joined(TEAM, owner, 'editor')))
        .when(add, { userId: owner })
        .thenRefused('forbidden');
      const d = boardDecider.decide(
        add,
        boardDecider.initialState(),
        { streamId: `project-${P}`, userId: owner, now: '' },
        teams(joined(TEAM, owner, 'administrator')),
      );
      expect(d.ok && d.events[0]).toMatchObject({
        type: 'ProjectAdded',
        data: { teamId: TEAM, ownerId: owner },
      });
    });

    it('asks for the latest of the team log only for commands that assign a team', () => {
      expect(teamAccess.needsLatest(share(TEAM))).toBe(true);
      expect(teamAccess.needsLatest(share(null))).toBe(true);
      expect(
        teamAccess.needsLatest({
          type: 'AddProject',
          data: { id: P, name: 'x', userId: U, teamId: TEAM },
        }),
      ).toBe(true);
      expect(
        teamAccess.needsLatest({
          type: 'AddProject',
          data: { id: P, name: 'x', userId: U, teamId: null },
        }),
      ).toBe(false);
      expect(teamAccess.needsLatest({ type: 'ModifyProject', data: { name: 'x' } })).toBe(false);
      expect(
        teamAccess.needsLatest({
          type: 'AddTask',
          data: { taskId: T1, columnId: C(1), title: 'x' },
        }),
      ).toBe(false);
    });
  });
});
