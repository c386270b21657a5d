import { uniq } from '../../test/support/env';
import { profile, startWholeSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(180_000);

type Who = 'owner' | 'administrator' | 'editor' | 'commenter' | 'viewer' | 'outsider';
const WHO: Who[] = ['owner', 'administrator', 'editor', 'commenter', 'viewer', 'outsider'];

interface Person {
  sub: string;
  email: string;
  userId?: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

let sys: TestSystem;
const people = {} as Record<Who | 'extra', Person>;
let pid: string;
let tid: string;
let column: string;
let task: string;

async function person(name: string): Promise<Person> {
  const sub = `auth0|${name}-${uniq()}`;
  const email = `${name}-${uniq()}@example.com`;
  const token = sys.issuer.token(sub, { email, email_verified: true });
  const p: Person = {
    sub,
    email,
    call: (method, path, body) => sys.api().call(method, path, { token, body }),
  };
  const me = await p.call('POST', '/users', profile(sub, email));
  p.userId = me.body.id;
  return p;
}

async function join(p: Person, role: string): Promise<void> {
  const owner = people.owner;
  await owner.call('POST', `/users/teams/${tid}/invites`, { emailList: [p.email] });
  const invite = (await p.call('GET', '/users/teams/invites')).body.find(
    (i: any) => i.teamId === tid && i.status === 'open',
  );
  expect(
    (await p.call('PATCH', `/users/teams/${tid}/invites/${invite.id}`, { accepted: true })).status,
  ).toBe(200);
  if (role !== 'editor')
    expect(
      (await owner.call('PATCH', `/users/teams/${tid}/members/${p.userId}`, { role })).status,
    ).toBe(200);
}

beforeAll(async () => {
  sys = await startWholeSystem();
  people.owner = await person('owner');
  pid = (await people.owner.call('POST', '/projects', { name: 'Shared' })).body.id;
  tid = (await people.owner.call('POST', '/users/teams', { name: 'Crew', projectId: pid })).body.id;
  for (const [who, role] of [
    ['administrator', 'administrator'],
    ['editor', 'editor'],
    ['commenter', 'commenter'],
    ['viewer', 'viewer'],
    ['extra', 'viewer'],
  ] as const) {
    people[who] = await person(who);
    await join(people[who], role);
  }
  people.outsider = await person('outsider');
  column = (await people.owner.call('GET', `/projects/${pid}/columns`)).body[0].id;
  task = (
    await people.owner.call('POST', `/projects/${pid}/columns/${column}/tasks`, {
      title: 'shared task',
    })
  ).body.id;
});
afterAll(() => sys?.stop());

interface Row {
  name: string;
  /** Run as the owner before each caller's attempt, for calls that use something up. */
  setup?: () => Promise<Record<string, string>>;
  call: (ctx: Record<string, string>) => [string, string, unknown?];
  expect: Record<Who, number>;
}

const read = {
  owner: 200,
  administrator: 200,
  editor: 200,
  commenter: 200,
  viewer: 200,
  outsider: 404,
};
const edit = (ok: number) => ({
  owner: ok,
  administrator: ok,
  editor: ok,
  commenter: 403,
  viewer: 403,
  outsider: 404,
});
const admin = (ok: number) => ({
  owner: ok,
  administrator: ok,
  editor: 403,
  commenter: 403,
  viewer: 403,
  outsider: 404,
});

const newColumn = async () => ({
  cid: (await people.owner.call('POST', `/projects/${pid}/columns`, { title: 'spare' })).body.id,
});
const newTask = async () => ({
  tid: (
    await people.owner.call('POST', `/projects/${pid}/columns/${column}/tasks`, { title: 'spare' })
  ).body.id,
});
const columnOrder = async () => ({
  order: JSON.stringify(
    (await people.owner.call('GET', `/projects/${pid}/columns`)).body[0].taskIds,
  ),
});

const rows: Row[] = [
  { name: 'read the project', call: () => ['GET', `/projects/${pid}`], expect: read },
  { name: 'read the board', call: () => ['GET', `/projects/${pid}/board`], expect: read },
  { name: 'list columns', call: () => ['GET', `/projects/${pid}/columns`], expect: read },
  { name: 'list tasks', call: () => ['GET', `/projects/${pid}/tasks`], expect: read },
  {
    name: 'rename the project',
    call: () => ['PATCH', `/projects/${pid}`, { name: 'Shared board' }],
    expect: edit(200),
  },
  {
    name: 'share the board with the team',
    call: () => ['PATCH', `/projects/${pid}`, { teamId: tid }],
    expect: admin(200),
  },
  {
    name: 'add a column',
    call: () => ['POST', `/projects/${pid}/columns`, { title: 'More' }],
    expect: edit(201),
  },
  {
    name: 'rename a column',
    call: () => ['PATCH', `/projects/columns/${column}`, { title: 'To Do' }],
    expect: edit(200),
  },
  {
    name: 'delete a column',
    setup: newColumn,
    call: (c) => ['DELETE', `/projects/columns/${c.cid}`],
    expect: edit(200),
  },
  {
    name: 'add a task',
    call: () => ['POST', `/projects/${pid}/columns/${column}/tasks`, { title: 'new' }],
    expect: edit(201),
  },
  {
    name: 'edit a task',
    call: () => ['PATCH', `/projects/tasks/${task}`, { title: 'edited' }],
    expect: edit(200),
  },
  {
    name: 'comment on a task',
    call: () => ['PATCH', `/projects/tasks/${task}`, { comments: ['looks good'] }],
    expect: {
      owner: 200,
      administrator: 200,
      editor: 200,
      commenter: 200,
      viewer: 403,
      outsider: 404,
    },
  },
  {
    name: 'move a task',
    setup: columnOrder,
    call: (c) => [
      'PATCH',
      `/projects/tasks/${task}/move`,
      { from: column, to: column, taskIds: JSON.parse(c.order!).reverse() },
    ],
    expect: edit(200),
  },
  {
    name: 'delete a task',
    setup: newTask,
    call: (c) => ['DELETE', `/projects/columns/${column}/tasks/${c.tid}`],
    expect: edit(200),
  },
  {
    name: 'delete the project',
    setup: async () => {
      const p = (await people.owner.call('POST', '/projects', { name: 'Doomed' })).body.id;
      expect((await people.owner.call('POST', `/users/teams/${tid}/project/${p}`, {})).status).toBe(
        200,
      );
      return { p };
    },
    call: (c) => ['DELETE', `/projects/${c.p}`],
    expect: {
      owner: 200,
      administrator: 403,
      editor: 403,
      commenter: 403,
      viewer: 403,
      outsider: 404,
    },
  },
  { name: 'read the team', call: () => ['GET', `/users/teams/${tid}`], expect: read },
  { name: 'list the members', call: () => ['GET', `/users/teams/${tid}/members`], expect: read },
  {
    name: 'invite',
    call: () => [
      'POST',
      `/users/teams/${tid}/invites`,
      { emailList: [`new-${uniq()}@example.com`] },
    ],
    expect: admin(201),
  },
  {
    name: "change a member's role",
    call: () => ['PATCH', `/users/teams/${tid}/members/${people.extra.userId}`, { role: 'viewer' }],
    expect: admin(200),
  },
  {
    name: 'remove a member',
    setup: async () => {
      const spare = await person('spare');
      await join(spare, 'viewer');
      return { uid: spare.userId! };
    },
    call: (c) => ['DELETE', `/users/teams/${tid}/members/${c.uid}`],
    expect: admin(200),
  },
  {
    name: "assign the team to the owner's new project",
    setup: async () => ({
      p: (await people.owner.call('POST', '/projects', { name: 'Next' })).body.id,
    }),
    call: (c) => ['POST', `/users/teams/${tid}/project/${c.p}`, {}],
    // Administrators who do not own the project cannot see it yet: it does not exist for them.
    expect: {
      owner: 200,
      administrator: 404,
      editor: 403,
      commenter: 403,
      viewer: 403,
      outsider: 404,
    },
  },
];

describe('who may do what', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_, row) => {
    const got: Record<string, number> = {};
    for (const who of WHO) {
      const ctx = row.setup ? await row.setup() : {};
      const [method, path, body] = row.call(ctx);
      got[who] = (await people[who].call(method, path, body)).status;
    }
    expect(got).toEqual(row.expect);
  });

  it('lists to each only the projects they may see', async () => {
    for (const who of WHO) {
      const ids = (await people[who].call('GET', '/projects')).body.map((p: any) => p.id);
      expect({ who, sees: ids.includes(pid) }).toEqual({ who, sees: who !== 'outsider' });
    }
  });
});
