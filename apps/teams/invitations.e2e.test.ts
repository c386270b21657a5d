import { freePort } from '../../test/support/ports';
import { eventually, onTestLog, uniq } from '../../test/support/env';
import { startTestSmtp, type TestSmtp } from '../../test/support/smtp';
import {
  profile,
  startTestSystem,
  startWholeSystem,
  type TestSystem,
  eventsInChosenLog,
} from '../../test/support/system';

jest.setTimeout(90_000);

let sys: TestSystem;
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startTestSmtp();
  sys = await startWholeSystem({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await sys?.stop();
  await smtp?.close();
});

/** A person with a token; registered unless asked otherwise. */
async function person(name: string, register = true) {
  const sub = `auth0|${name}-${uniq()}`;
  const email = `${name}-${uniq()}@example.com`;
  const token = sys.issuer.token(sub, { email, email_verified: true });
  const call = (method: string, path: string, body?: unknown) =>
    sys.api().call(method, path, { token, body });
  if (register) expect((await call('POST', '/users', profile(sub, email))).status).toBe(201);
  return { sub, email, token, call, register: () => call('POST', '/users', profile(sub, email)) };
}

async function boardWithTeam() {
  const owner = await person('owner');
  const project = (await owner.call('POST', '/projects', { name: 'Client work' })).body;
  const team = await owner.call('POST', '/users/teams', {
    name: 'Acme engagement',
    projectId: project.id,
  });
  expect(team.status).toBe(201);
  return { owner, project, team: team.body };
}

describe(onTestLog('teams and invitations'), () => {
  it('brings an invited, not yet registered client through to their first board view', async () => {
    const { owner, project, team } = await boardWithTeam();
    expect(team).toEqual({
      id: expect.any(String),
      name: 'Acme engagement',
      userId: expect.any(String),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await owner.call('GET', `/projects/${project.id}`)).body.teamId).toBe(team.id);
    expect((await owner.call('GET', '/users/teams')).body.map((t: any) => t.id)).toEqual([team.id]);
    const members = (await owner.call('GET', `/users/teams/${team.id}/members`)).body;
    expect(members).toEqual([
      expect.objectContaining({
        userId: team.userId,
        teamId: team.id,
        role: 'administrator',
        email: owner.email,
        firstName: 'Test',
        lastName: 'User',
        picture: expect.any(String),
      }),
    ]);

    const client = await person('client', false);
    const invited = await owner.call('POST', `/users/teams/${team.id}/invites`, {
      emailList: [client.email],
    });
    expect(invited.status).toBe(201);
    expect(invited.body).toEqual([
      expect.objectContaining({
        email: client.email,
        teamId: team.id,
        teamName: 'Acme engagement',
        accepted: false,
        read: false,
      }),
    ]);
    // Inviting again while the first is open does not open a second invitation.
    const again = await owner.call('POST', `/users/teams/${team.id}/invites`, {
      emailList: [client.email.toUpperCase()],
    });
    expect(again.status).toBe(201);
    expect(again.body.map((i: any) => i.id)).toEqual([invited.body[0].id]);

    const mail = await eventually(
      async () => smtp.received.find((m) => m.to.includes(client.email)),
      15_000,
      'the invitation email',
    );
    expect(mail.raw).toMatch(/Subject: You are invited to join Acme engagement on Devpie Client/);
    // Long lines reach the wire folded (quoted-printable soft breaks).
    expect(mail.raw.replace(/=\r?\n/g, '')).toContain(invited.body[0].id);
    expect(smtp.received.filter((m) => m.to.includes(client.email))).toHaveLength(1);

    // Their verified address is what proves the invitation is theirs, registered or not.
    expect((await client.call('GET', '/users/teams/invites')).body).toEqual([
      expect.objectContaining({ id: invited.body[0].id }),
    ]);
    expect((await client.register()).status).toBe(201);
    const mine = (await client.call('GET', '/users/teams/invites')).body;
    expect(mine).toEqual([
      expect.objectContaining({
        id: invited.body[0].id,
        teamName: 'Acme engagement',
        accepted: false,
        expiration: expect.any(String),
      }),
    ]);
    expect((await client.call('GET', `/projects/${project.id}`)).status).toBe(404);

    const accepted = await client.call('PATCH', `/users/teams/${team.id}/invites/${mine[0].id}`, {
      accepted: true,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ accepted: true, read: true });
    expect((await client.call('GET', '/projects')).body.map((p: any) => p.id)).toEqual([
      project.id,
    ]);
    const board = await client.call('GET', `/projects/${project.id}/board`);
    expect(board.status).toBe(200);
    expect(board.body.project.id).toBe(project.id);
    expect(
      (await owner.call('GET', `/users/teams/${team.id}/members`)).body.map((m: any) => [
        m.email,
        m.role,
      ]),
    ).toEqual(expect.arrayContaining([[client.email, 'editor']]));
    // An editor changes the board.
    const column = board.body.columns[0].id;
    expect(
      (
        await client.call('POST', `/projects/${project.id}/columns/${column}/tasks`, {
          title: 'from the client',
        })
      ).status,
    ).toBe(201);
  });

  it('takes access away at once when a member leaves or is removed', async () => {
    const { owner, project, team } = await boardWithTeam();
    const [a, b] = [await person('a'), await person('b')];
    await owner.call('POST', `/users/teams/${team.id}/invites`, { emailList: [a.email, b.email] });
    for (const p of [a, b]) {
      const [invite] = (await p.call('GET', '/users/teams/invites')).body;
      expect(
        (await p.call('PATCH', `/users/teams/${team.id}/invites/${invite.id}`, { accepted: true }))
          .status,
      ).toBe(200);
      expect((await p.call('GET', `/projects/${project.id}`)).status).toBe(200);
    }
    expect((await a.call('POST', `/users/teams/${team.id}/leave`, {})).status).toBe(200);
    expect((await a.call('GET', `/projects/${project.id}`)).status).toBe(404);
    expect((await a.call('GET', `/users/teams/${team.id}`)).status).toBe(404);
    const bId = (await owner.call('GET', `/users/teams/${team.id}/members`)).body.find(
      (m: any) => m.email === b.email,
    ).userId;
    expect((await owner.call('DELETE', `/users/teams/${team.id}/members/${bId}`)).status).toBe(200);
    expect((await b.call('GET', `/projects/${project.id}/board`)).status).toBe(404);
    // The last administrator stays.
    const refused = await owner.call('POST', `/users/teams/${team.id}/leave`, {});
    expect(refused.status).toBe(200); // the only member left may leave
  });

  it('lets one of two simultaneous acceptances through, and makes one membership', async () => {
    const { owner, team } = await boardWithTeam();
    const c = await person('c');
    await owner.call('POST', `/users/teams/${team.id}/invites`, { emailList: [c.email] });
    const [invite] = (await c.call('GET', '/users/teams/invites')).body;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        c.call('PATCH', `/users/teams/${team.id}/invites/${invite.id}`, { accepted: true }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const members = (await owner.call('GET', `/users/teams/${team.id}/members`)).body.filter(
      (m: any) => m.email === c.email,
    );
    expect(members).toHaveLength(1);
    // Someone else cannot answer an invitation sent to another address.
    const stranger = await person('stranger');
    expect(
      (
        await stranger.call('PATCH', `/users/teams/${team.id}/invites/${invite.id}`, {
          accepted: false,
        })
      ).status,
    ).toBe(404);
  });
});

describe('invitation expiry and a mail server that is down', () => {
  let short: TestSystem;
  let late: TestSmtp | undefined;
  let smtpPort: number;
  beforeAll(async () => {
    smtpPort = await freePort();
    short = await startTestSystem();
    await (
      await short.start(['all'], {
        INVITE_TTL_MS: '2000',
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      })
    ).waitReady();
  });
  afterAll(async () => {
    await short?.stop();
    await late?.close();
  });

  it('refuses an expired invitation with 410, and delivers the mail once the server is back', async () => {
    const owner = { sub: `auth0|o-${uniq()}` };
    const token = short.issuer.token(owner.sub);
    const call = (t: string, method: string, path: string, body?: unknown) =>
      short.api().call(method, path, { token: t, body });
    await call(token, 'POST', '/users', profile(owner.sub));
    const created = await call(token, 'POST', '/users/teams', { name: 'Short' });
    expect(created.status).toBe(201);
    const team = created.body;
    const guest = { sub: `auth0|g-${uniq()}`, email: `g-${uniq()}@example.com` };
    const guestToken = short.issuer.token(guest.sub, { email: guest.email, email_verified: true });
    expect(
      (await call(token, 'POST', `/users/teams/${team.id}/invites`, { emailList: [guest.email] }))
        .status,
    ).toBe(201);
    const [invite] = (await call(guestToken, 'GET', '/users/teams/invites')).body;
    await new Promise((r) => setTimeout(r, 2200));
    const expired = await call(
      guestToken,
      'PATCH',
      `/users/teams/${team.id}/invites/${invite.id}`,
      { accepted: true },
    );
    expect(expired.status).toBe(410);
    expect(expired.body.error).toMatch(/expired/);
    // An expired invitation can be sent again.
    expect(
      (await call(token, 'POST', `/users/teams/${team.id}/invites`, { emailList: [guest.email] }))
        .body,
    ).toHaveLength(1);

    // The mail server was down all along: the invitations were kept and are sent now.
    late = await startTestSmtp(smtpPort);
    await eventually(
      async () => late!.received.filter((m) => m.to.includes(guest.email)).length === 2,
      40_000,
      'both invitation emails',
    );
  });
});

describe(onTestLog('teams and invitations: where it wrote'), () => {
  it('keeps the teams in the log this run chose (a role on another log would leave it empty)', async () => {
    expect(await eventsInChosenLog(sys, 'team')).toBeGreaterThan(0);
  });
});
