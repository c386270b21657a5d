import { execFile } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { repoPath } from '../platform/paths';
import { TEST_STAN, eventually, testStanLog, uniq } from '../test/support/env';
import { flows } from '../test/support/flows';
import { profile, startWholeSystem, type TestSystem } from '../test/support/system';

// What the fixes at the edge promise, over HTTP against the compiled system: keys bound to their
// request, retries answered as the first was, versions and bodies that cannot be stored refused,
// methods and requests Node refuses answered as the API answers, repairs visible to callers.
jest.setTimeout(120_000);

let sys: TestSystem;
let f: ReturnType<typeof flows>;
beforeAll(async () => {
  sys = await startWholeSystem();
  f = flows(sys);
});
afterAll(() => sys?.stop());

const port = () => sys.processes[0]!.port;
const output = () => sys.processes[0]!.output();
/** Error-level lines (pino level 50 and above) the process wrote after `from`. */
const errorLines = (from: number) =>
  output()
    .slice(from)
    .split('\n')
    .filter((l) => /"level":(5\d|60)/.test(l));
const keyed = (key: string) => ({ 'Idempotency-Key': key });

/** One request through node:http, which (unlike fetch) sends any method. */
function httpCall(
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: port(), method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Bytes as they are on the wire, for requests no HTTP client would send; the whole answer back. */
function rawCall(bytes: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port(), '127.0.0.1');
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (got += c));
    socket.on('error', (err) => (got ? finish() : reject(err)));
    socket.on('end', finish);
    socket.write(bytes);
    function finish() {
      const [head = '', body = ''] = got.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body });
    }
  });
}

async function boardOf(owner: Awaited<ReturnType<typeof f.person>>) {
  const pid = await f.project(owner);
  const column = (await owner.call('GET', `/projects/${pid}/columns`)).body[0].id as string;
  return { pid, column };
}

describe('Idempotency-Key is bound to the request it first named', () => {
  it('refuses the key with another body or on another path (422, nothing recorded) and replays the same request', async () => {
    const owner = await f.person('owner');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const { invoice } = await f.approvedInvoice(owner, client, pid);
    const key = `pay-${uniq()}`;
    const pay = (amount: number, headers: Record<string, string> = keyed(key)) =>
      sys.api().call('POST', `/invoices/${invoice.id}/payments`, {
        token: owner.token,
        body: { amount, reference: 'SEPA 1' },
        headers,
      });

    const first = await pay(100);
    expect(first.status).toBe(201);
    expect(first.body.amountPaid).toBe(100);

    const other = await pay(2000);
    expect(other.status).toBe(422);
    expect(other.body).toEqual({ error: 'this Idempotency-Key was used with a different request' });

    const replay = await pay(100);
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ id: invoice.id, amountPaid: 100 });
    expect(replay.body.payments).toHaveLength(1);

    const elsewhere = await sys.api().call('POST', `/invoices/${invoice.id}/cancel`, {
      token: owner.token,
      body: { reason: 'changed my mind' },
      headers: keyed(key),
    });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.error).toBe('this Idempotency-Key was used with a different request');
    const newProject = await sys.api().call('POST', '/projects', {
      token: owner.token,
      body: { name: 'Under a used key' },
      headers: keyed(key),
    });
    expect(newProject.status).toBe(422);

    // A later write is visible once answered: anything the refused ones had recorded would be too.
    const later = await pay(50, {});
    expect(later.status).toBe(201);
    expect(later.body).toMatchObject({ amountPaid: 150, status: 'open' });
    expect(later.body.payments.map((p: any) => p.amount)).toEqual([100, 50]);
    expect((await owner.call('GET', '/projects')).body.map((p: any) => p.name)).not.toContain(
      'Under a used key',
    );
  });
});

describe('retried creates and decisions answer as the first did', () => {
  it('names the same task and column on a retried add (201 both times, one of each on the board)', async () => {
    const owner = await f.person('owner');
    const { pid, column } = await boardOf(owner);
    const addTask = () =>
      sys.api().call('POST', `/projects/${pid}/columns/${column}/tasks`, {
        token: owner.token,
        body: { title: 'Retried task' },
        headers: keyed(`task-${pid}`),
      });
    const t1 = await addTask();
    const t2 = await addTask();
    expect([t1.status, t2.status]).toEqual([201, 201]);
    expect(t1.body.id).toEqual(expect.any(String));
    expect(t2.body).toEqual(t1.body);

    const addColumn = () =>
      sys.api().call('POST', `/projects/${pid}/columns`, {
        token: owner.token,
        body: { title: 'Retried column' },
        headers: keyed(`column-${pid}`),
      });
    const c1 = await addColumn();
    const c2 = await addColumn();
    expect([c1.status, c2.status]).toEqual([201, 201]);
    expect(c1.body.id).toEqual(expect.any(String));
    expect(c2.body.id).toBe(c1.body.id);

    const board = (await owner.call('GET', `/projects/${pid}/board`)).body;
    expect(
      board.tasks.filter((t: any) => t.title === 'Retried task').map((t: any) => t.id),
    ).toEqual([t1.body.id]);
    expect(
      board.columns.filter((c: any) => c.title === 'Retried column').map((c: any) => c.id),
    ).toEqual([c1.body.id]);
  });

  it('answers a retried send, approval and rejection with the first answer (200), not 409', async () => {
    const owner = await f.person('owner');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const draft = async () => {
      const e = await owner.call('POST', `/projects/${pid}/estimates`, {
        title: 'Work',
        currency: 'EUR',
        validUntil: '2099-12-31',
        clientEmail: client.email,
        items: [{ description: 'Build', quantity: '1', unit: 'hour', unitPrice: 10000 }],
      });
      expect(e.status).toBe(201);
      return e.body.id as string;
    };
    const twice = async (who: { token: string }, path: string, key: string, body: unknown) => {
      const first = await sys
        .api()
        .call('POST', path, { token: who.token, body, headers: keyed(key) });
      const again = await sys
        .api()
        .call('POST', path, { token: who.token, body, headers: keyed(key) });
      return [first, again] as const;
    };

    const approved = await draft();
    const [sent, sentAgain] = await twice(
      owner,
      `/estimates/${approved}/send`,
      `send-${approved}`,
      { expiresInMs: 60_000, reminderBeforeMs: 0 },
    );
    expect([sent.status, sentAgain.status]).toEqual([200, 200]);
    expect([sent.body.status, sentAgain.body.status]).toEqual(['sent', 'sent']);
    expect(sentAgain.body.id).toBe(approved);
    const [yes, yesAgain] = await twice(
      client,
      `/estimates/${approved}/approve`,
      `approve-${approved}`,
      {},
    );
    expect([yes.status, yesAgain.status]).toEqual([200, 200]);
    expect([yes.body.status, yesAgain.body.status]).toEqual(['approved', 'approved']);
    // Without the key a second approval is a new decision, refused as such.
    expect((await client.call('POST', `/estimates/${approved}/approve`, {})).status).toBe(409);

    const rejected = await f.sentEstimate(owner, client, pid);
    const [no, noAgain] = await twice(
      client,
      `/estimates/${rejected}/reject`,
      `reject-${rejected}`,
      { reason: 'too dear' },
    );
    expect([no.status, noAgain.status]).toEqual([200, 200]);
    expect([no.body.status, noAgain.body.status]).toEqual(['rejected', 'rejected']);
    expect(noAgain.body.reason).toBe('too dear');
  });
});

describe('If-Match', () => {
  it('refuses versions beyond the safe integers with 400 and applies nothing', async () => {
    const me = await f.person('me');
    const before = await me.call('GET', '/users/me');
    const version = Number(JSON.parse(before.headers.get('etag')!));
    for (const ifMatch of [`"${'9'.repeat(400)}"`, '"9007199254740993"', `W/"${'1'.repeat(17)}"`]) {
      const res = await sys.api().call('PATCH', '/users/me', {
        token: me.token,
        body: { lastName: 'Overwritten' },
        headers: { 'If-Match': ifMatch },
      });
      expect({ ifMatch: ifMatch.slice(0, 20), status: res.status }).toEqual({
        ifMatch: ifMatch.slice(0, 20),
        status: 400,
      });
      expect(res.body.error).toMatch(/If-Match/);
    }
    const board = await boardOf(me);
    const huge = await sys.api().call('PATCH', `/projects/${board.pid}`, {
      token: me.token,
      body: { name: 'Overwritten' },
      headers: { 'If-Match': `"${'9'.repeat(400)}"` },
    });
    expect(huge.status).toBe(400);

    // The right version still goes through, and is the next one: nothing was applied in between.
    const ok = await sys.api().call('PATCH', '/users/me', {
      token: me.token,
      body: { firstName: 'Checked' },
      headers: { 'If-Match': `"${version}"` },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(`"${version + 1}"`);
    expect(ok.body).toMatchObject({ firstName: 'Checked', lastName: before.body.lastName });
    expect((await me.call('GET', `/projects/${board.pid}`)).body.name).not.toBe('Overwritten');
  });
});

describe('methods and requests the API does not take', () => {
  it('answers TRACE and PROPFIND with 405, oversized headers with 431 and malformed HTTP with 400, all as JSON, logging no error', async () => {
    const from = output().length;
    for (const method of ['TRACE', 'PROPFIND']) {
      for (const path of ['/api/v1/projects', '/healthz']) {
        const res = await httpCall(method, path);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 405 });
        expect(res.headers['content-type']).toMatch(/application\/json/);
        expect(JSON.parse(res.body)).toEqual({ error: expect.stringContaining(method) });
        expect(res.headers.allow).toMatch(/\bGET\b/);
        expect(res.headers.allow).not.toMatch(new RegExp(method));
      }
    }

    // A method the API knows, on a path that does not take it: the path's methods in Allow.
    const me = await f.person('me');
    const notHere = await sys.api().call('DELETE', '/users/me', { token: me.token });
    expect(notHere.status).toBe(405);
    expect(notHere.body).toEqual({ error: expect.stringContaining('DELETE') });
    expect(notHere.headers.get('allow')?.split(/,\s*/).sort()).toEqual(['GET', 'HEAD', 'PATCH']);

    const big = await rawCall(
      `GET /api/v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: c=${'x'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    );
    expect(big.status).toBe(431);
    expect(big.head).toMatch(/Content-Type: application\/json/i);
    expect(JSON.parse(big.body)).toEqual({ error: expect.any(String) });

    const garbled = await rawCall('GET /api/v1/projects HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n');
    expect(garbled.status).toBe(400);
    expect(JSON.parse(garbled.body)).toEqual({ error: expect.any(String) });

    // A caller that hangs up halfway through its body: their doing, no error of ours.
    await new Promise<void>((resolve) => {
      const socket = connect(port(), '127.0.0.1', () => {
        socket.write(
          `POST /api/v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${me.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"`,
        );
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });

    // Still serving; and pino writes asynchronously, so give an error line time to appear.
    expect((await httpCall('GET', '/healthz')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(errorLines(from)).toEqual([]);
  });
});

describe('ids and versions as callers spell them', () => {
  it('reads and writes a project named by its id in upper case as the same project', async () => {
    const owner = await f.person('upper');
    const pid = await f.project(owner);
    const PID = pid.toUpperCase();
    const renamed = await owner.call('PATCH', `/projects/${PID}`, { name: 'Shouted' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.id).toBe(pid);
    const column = (await owner.call('GET', `/projects/${PID}/columns`)).body[0].id as string;
    const task = await owner.call(
      'POST',
      `/projects/${PID}/columns/${column.toUpperCase()}/tasks`,
      { title: 'Loud' },
    );
    expect(task.status).toBe(201);
    expect(
      (await owner.call('GET', `/projects/${pid}/tasks`)).body.map(
        (t: { title: string }) => t.title,
      ),
    ).toEqual(['Loud']);
  });

  it('takes If-Match: * as any current version', async () => {
    const owner = await f.person('star');
    const pid = await f.project(owner);
    const res = await sys.api().call('PATCH', `/projects/${pid}`, {
      token: owner.token,
      body: { name: 'Starred' },
      headers: { 'If-Match': '*' },
    });
    expect(res.status).toBe(200);
  });
});

describe('the profile', () => {
  it('records an address as verified only when the token proves that very address', async () => {
    const sub = `auth0|${uniq()}`;
    const bare = sys.issuer.token(sub);
    const created = await sys
      .api()
      .call('POST', '/users', { token: bare, body: { ...profile(sub), emailVerified: true } });
    expect(created.status).toBe(201);
    expect(created.body.emailVerified).toBe(false);
    const other = `auth0|${uniq()}`;
    const proven = sys.issuer.token(other, { email: profile(other).email, email_verified: true });
    expect(
      (
        await sys.api().call('POST', '/users', {
          token: proven,
          body: { ...profile(other), emailVerified: false },
        })
      ).body.emailVerified,
    ).toBe(true);
  });
});

describe('profile pictures', () => {
  it('takes https URLs and "" and refuses anything else with 400 naming picture', async () => {
    const sub = `auth0|pic-${uniq()}`;
    const email = `pic-${uniq()}@example.com`;
    const token = sys.issuer.token(sub, { email, email_verified: true });
    const register = (picture: string) =>
      sys.api().call('POST', '/users', { token, body: { ...profile(sub, email), picture } });
    for (const picture of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'http://example.com/p.png',
      ' https://example.com/p.png',
    ]) {
      const res = await register(picture);
      expect({ picture, status: res.status }).toEqual({ picture, status: 400 });
      expect(res.body.error).toMatch(/picture/);
    }
    expect((await sys.api().call('GET', '/users/me', { token })).status).toBe(404);
    const created = await register('https://cdn.example.com/me.png');
    expect(created.status).toBe(201);
    expect(created.body.picture).toBe('https://cdn.example.com/me.png');

    const change = (picture: string) =>
      sys.api().call('PATCH', '/users/me', { token, body: { picture } });
    const bad = await change('javascript:alert(1)');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/picture/);
    expect((await sys.api().call('GET', '/users/me', { token })).body.picture).toBe(
      'https://cdn.example.com/me.png',
    );
    const cleared = await change('');
    expect(cleared.status).toBe(200);
    expect(cleared.body.picture).toBe('');
    const again = await change('https://cdn.example.com/new.png');
    expect(again.status).toBe(200);
    expect(again.body.picture).toBe('https://cdn.example.com/new.png');
  });

  it('registers an empty picture', async () => {
    const sub = `auth0|nopic-${uniq()}`;
    const res = await sys.api().call('POST', '/users', {
      token: sys.issuer.token(sub),
      body: { ...profile(sub), picture: '' },
    });
    expect(res.status).toBe(201);
    expect(res.body.picture).toBe('');
  });
});

describe('values that cannot be stored', () => {
  it('are refused at the edge with 400 naming the field; the system stays ready and parks nothing', async () => {
    const owner = await f.person('owner');
    const { pid, column } = await boardOf(owner);
    const task = (
      await owner.call('POST', `/projects/${pid}/columns/${column}/tasks`, { title: 'Clean' })
    ).body;
    const estimate = (
      await owner.call('POST', `/projects/${pid}/estimates`, {
        title: 'Work',
        currency: 'EUR',
        validUntil: '2099-12-31',
        clientEmail: 'someone@example.com',
        items: [{ description: 'Build', quantity: '1', unit: 'hour', unitPrice: 100 }],
      })
    ).body;
    expect(estimate.status).toBe('draft');
    const draft = { title: 'Work', currency: 'EUR', validUntil: '2099-12-31' };

    const cases: Array<[string, string, string, unknown, RegExp]> = [
      [
        'NUL in a task title',
        'POST',
        `/projects/${pid}/columns/${column}/tasks`,
        { title: 'a\u0000b' },
        /title/,
      ],
      [
        'NUL in a changed task title',
        'PATCH',
        `/projects/tasks/${task.id}`,
        { title: 'a\u0000b' },
        /title/,
      ],
      [
        'a lone surrogate in a comment',
        'PATCH',
        `/projects/tasks/${task.id}`,
        { comments: ['fine', '\ud800'] },
        /comments/,
      ],
      ['NUL in a first name', 'PATCH', '/users/me', { firstName: 'Ada\u0000' }, /firstName/],
      ['NUL in a team name', 'POST', '/users/teams', { name: 'Team\u0000' }, /name/],
      ['NUL in a project name', 'POST', '/projects', { name: '\u0000' }, /name/],
      [
        'a day that does not exist',
        'POST',
        `/projects/${pid}/estimates`,
        { ...draft, validUntil: '2025-02-30' },
        /validUntil/,
      ],
      [
        'a currency that does not exist',
        'POST',
        `/projects/${pid}/estimates`,
        { ...draft, currency: 'ZZZ' },
        /currency/,
      ],
      [
        'a changed currency that does not exist',
        'PATCH',
        `/estimates/${estimate.id}`,
        { currency: 'ZZZ' },
        /currency/,
      ],
      [
        'a validity of 285 millennia',
        'POST',
        `/estimates/${estimate.id}/send`,
        { expiresInMs: 9_000_000_000_000_000 },
        /expiresInMs/,
      ],
    ];
    for (const [name, method, path, body, field] of cases) {
      const res = await owner.call(method, path, body);
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      expect({ name, error: res.body.error }).toEqual({
        name,
        error: expect.stringMatching(field),
      });
    }

    // The same streams still take writes, and were not changed by what was refused.
    const renamed = await owner.call('PATCH', `/projects/tasks/${task.id}`, {
      title: 'Still clean',
      comments: ['ok'],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ title: 'Still clean', comments: ['ok'] });
    expect((await owner.call('PATCH', '/users/me', { firstName: 'Ada' })).status).toBe(200);
    const e = (await owner.call('GET', `/estimates/${estimate.id}`)).body;
    expect(e).toMatchObject({ status: 'draft', currency: 'EUR', validUntil: '2099-12-31' });
    expect((await fetch(`http://127.0.0.1:${port()}/readyz`)).status).toBe(200);
    expect((await sys.db.pool.query('SELECT * FROM platform.parked_entries')).rows).toEqual([]);
  });
});

describe('a stream being repaired', () => {
  it('answers its readers and writers 503 with Retry-After while a parked entry is open, then serves it again', async () => {
    const owner = await f.person('owner');
    const invitee = await f.person('invitee');
    const { pid, column } = await boardOf(owner);
    const team = (await owner.call('POST', '/users/teams', { name: 'Repaired team' })).body;
    expect(
      (await owner.call('POST', `/users/teams/${team.id}/invites`, { emailList: [invitee.email] }))
        .status,
    ).toBe(201);
    const invite = (await invitee.call('GET', '/users/teams/invites')).body[0];
    expect(invite.teamId).toBe(team.id);
    const from = output().length;

    await sys.db.pool.query(
      `INSERT INTO platform.parked_entries (consumer, category, kind, position, stream_id, reason, body)
       VALUES ('operator-test', 'project', 'event', 1, $1, 'planted by the test', '{}'),
              ('operator-test', 'team', 'event', 2, $2, 'planted by the test', '{}')`,
      [`project-${pid}`, `team-${team.id}`],
    );
    try {
      // The apps refresh their picture of repairing streams every second.
      await new Promise((r) => setTimeout(r, 1500));
      const read = await owner.call('GET', `/projects/${pid}`);
      expect(read.status).toBe(503);
      expect(read.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(read.body).toEqual({ error: expect.stringContaining('being repaired') });
      expect((await owner.call('GET', `/projects/${pid}/board`)).status).toBe(503);
      // A UUID in upper case names the same project.
      expect((await owner.call('GET', `/projects/${pid.toUpperCase()}`)).status).toBe(503);
      const write = await owner.call('POST', `/projects/${pid}/columns/${column}/tasks`, {
        title: 'Built on a stale view',
      });
      expect(write.status).toBe(503);
      expect(write.body.error).toMatch(/being repaired/);
      // Sharing the board with a new team writes to the board's stream too.
      const share = await owner.call('POST', '/users/teams', {
        name: 'Shared while repairing',
        projectId: pid,
      });
      expect(share.status).toBe(503);
      expect((await owner.call('GET', `/users/teams/${team.id}`)).status).toBe(503);
      expect(
        (await owner.call('POST', `/users/teams/${team.id.toUpperCase()}/leave`, {})).status,
      ).toBe(503);
      // Answering an invitation writes to the team's stream.
      const answer = await invitee.call('PATCH', `/users/teams/${team.id}/invites/${invite.id}`, {
        accepted: true,
      });
      expect(answer.status).toBe(503);
      const other = await f.project(owner);
      expect((await owner.call('GET', `/projects/${other}`)).status).toBe(200);
    } finally {
      await sys.db.pool.query(
        `UPDATE platform.parked_entries SET resolved_at = now() WHERE consumer = 'operator-test'`,
      );
    }

    const back = await eventually(
      async () => {
        const res = await owner.call('GET', `/projects/${pid}`);
        return res.status === 200 ? res : null;
      },
      5000,
      'the project to be served again',
    );
    expect(back.body).toMatchObject({ id: pid, teamId: null });
    expect(
      (await owner.call('GET', `/projects/${pid}/tasks`)).body.map((t: any) => t.title),
    ).not.toContain('Built on a stale view');
    expect((await owner.call('GET', '/users/teams')).body.map((t: any) => t.name)).toEqual([
      'Repaired team',
    ]);
    expect((await invitee.call('GET', '/users/teams/invites')).body[0]).toMatchObject({
      id: invite.id,
      accepted: false,
    });
    expect((await owner.call('GET', `/users/teams/${team.id}`)).status).toBe(200);
    // Our own 503 that says what is going on is not an error in the logs.
    expect(errorLines(from)).toEqual([]);
  });
});

describe("the operators' parked command", () => {
  const env = () => ({
    ...process.env,
    STAN_URL: TEST_STAN.url,
    STAN_CLUSTER_ID: TEST_STAN.clusterId,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    ...sys.env,
  });
  const parked = async (...args: string[]) =>
    (
      await promisify(execFile)(
        process.execPath,
        [repoPath('dist', 'main.js'), 'parked', ...args],
        { env: env(), timeout: 60_000 },
      )
    ).stdout;

  it('lists what a consumer parked with a count, and asks the running consumers to apply it again', async () => {
    // An entry no consumer can read, written straight into the log as a broken writer would.
    const log = await testStanLog(sys.db, sys.prefix, 'operator');
    try {
      await log.publish(`${sys.prefix}project.event`, 'this is not an entry');
    } finally {
      await log.close();
    }
    const row = await eventually(
      async () =>
        (
          await sys.db.pool.query(
            `SELECT * FROM platform.parked_entries WHERE consumer = 'projects-projector' AND resolved_at IS NULL`,
          )
        ).rows[0],
      15_000,
      'the projector to park the entry',
    );

    const listed = (await parked('list', 'project')).trim().split('\n');
    expect(listed).toHaveLength(2);
    expect(JSON.parse(listed[0]!)).toMatchObject({
      consumer: 'projects-projector',
      position: Number(row.position),
      streamId: null,
      attempts: 1,
      waitingForConsumer: false,
      reason: expect.any(String),
    });
    expect(listed[1]).toBe('1 parked project entries open');
    expect((await parked('list', 'estimate')).trim()).toBe('0 parked estimate entries open');

    const retried = (await parked('retry', 'project')).trim().split('\n');
    expect(retried[0]).toBe('asked the consumers to apply 1 parked project entries again');
    // The projector took the request (it is no longer waiting), failed again, and kept it parked.
    expect(JSON.parse(retried[1]!)).toMatchObject({
      consumer: 'projects-projector',
      position: Number(row.position),
      attempts: 2,
      waitingForConsumer: false,
    });
    expect(retried[2]).toBe('1 parked project entries open');

    const ready = (await (await fetch(`http://127.0.0.1:${port()}/readyz`)).json()) as {
      status: string;
      details: unknown;
    };
    expect(ready.status).toBe('ready');
    expect(JSON.stringify(ready.details)).toContain('"projects-projector":1');
  });
});
