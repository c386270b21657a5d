import { uniq } from '../../test/support/env';
import { flows } from '../../test/support/flows';
import { profile, startWholeSystem, type TestSystem } from '../../test/support/system';

// An address is proof of who someone is only when the identity provider verified it: what a
// profile says (typed into POST /users) or a token's unverified claim opens nothing.
jest.setTimeout(120_000);

let sys: TestSystem;
let f: ReturnType<typeof flows>;
beforeAll(async () => {
  sys = await startWholeSystem();
  f = flows(sys);
});
afterAll(() => sys?.stop());

const NS = 'https://client.devpie.io/claims/';

/** Someone with a token carrying `claims`, registered under `email` whatever the token says. */
async function caller(name: string, email: string, claims: Record<string, unknown>) {
  const sub = `auth0|${name}-${uniq()}`;
  const token = sys.issuer.token(sub, claims);
  const call = (method: string, path: string, body?: unknown) =>
    sys.api().call(method, path, { token, body });
  const registered = await call('POST', '/users', profile(sub, email));
  expect({ name, status: registered.status }).toEqual({ name, status: 201 });
  return { name, sub, call };
}
type Caller = Awaited<ReturnType<typeof caller>>;

describe('access by email', () => {
  it('needs a verified token email: impostors get 403 "verify…", a verified stranger 404, the client gets in', async () => {
    const owner = await f.person('owner');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const team = (await owner.call('POST', '/users/teams', { name: 'Engagement' })).body;
    expect(
      (await owner.call('POST', `/users/teams/${team.id}/invites`, { emailList: [client.email] }))
        .status,
    ).toBe(201);
    const estimateId = await f.sentEstimate(owner, client, pid);

    // Registered with the client's address: a token with no email, one with the address unverified
    // (standard and namespaced claims). Each may register so; none of them is the client.
    const impostors: Caller[] = [
      await caller('no-email', client.email, {}),
      await caller('unverified', client.email, { email: client.email, email_verified: false }),
      await caller('unverified-ns', client.email, {
        [`${NS}email`]: client.email,
        [`${NS}email_verified`]: false,
      }),
      await caller('verified-flag-no-email', client.email, { email_verified: true }),
    ];
    const stranger = await f.person('stranger');

    const inviteId = (await client.call('GET', '/users/teams/invites')).body[0].id as string;
    const refused = async (
      who: Caller | typeof stranger,
      method: string,
      path: string,
      body: unknown,
      status: number,
    ) => {
      const res = await who.call(method, path, body);
      const name = 'name' in who ? who.name : 'stranger';
      expect({ name, method, path, status: res.status }).toEqual({ name, method, path, status });
      if (status === 403)
        expect({ name, path, error: res.body.error }).toEqual({
          name,
          path,
          error: expect.stringMatching(/verify your email address/),
        });
    };

    for (const who of impostors) {
      await refused(who, 'GET', '/users/teams/invites', undefined, 403);
      await refused(
        who,
        'PATCH',
        `/users/teams/${team.id}/invites/${inviteId}`,
        { accepted: true },
        403,
      );
      await refused(who, 'GET', `/estimates/${estimateId}`, undefined, 403);
      await refused(who, 'GET', `/projects/${pid}/estimates`, undefined, 403);
      await refused(who, 'POST', `/estimates/${estimateId}/approve`, {}, 403);
      await refused(
        who,
        'POST',
        `/estimates/${estimateId}/reject`,
        { reason: 'not mine to say' },
        403,
      );
    }
    expect((await stranger.call('GET', '/users/teams/invites')).body).toEqual([]);
    await refused(
      stranger,
      'PATCH',
      `/users/teams/${team.id}/invites/${inviteId}`,
      { accepted: true },
      404,
    );
    await refused(stranger, 'GET', `/estimates/${estimateId}`, undefined, 404);
    await refused(stranger, 'GET', `/projects/${pid}/estimates`, undefined, 404);
    await refused(stranger, 'POST', `/estimates/${estimateId}/approve`, {}, 404);
    await refused(
      stranger,
      'POST',
      `/estimates/${estimateId}/reject`,
      { reason: 'not mine to say' },
      404,
    );
    // None of that decided anything.
    expect((await client.call('GET', `/estimates/${estimateId}`)).body.status).toBe('sent');

    const approved = await client.call('POST', `/estimates/${estimateId}/approve`, {});
    expect(approved.status).toBe(200);
    const invoice = await f.invoiceOf(owner, pid, estimateId);
    for (const who of impostors) {
      await refused(who, 'GET', `/invoices/${invoice.id}`, undefined, 403);
      await refused(who, 'GET', `/projects/${pid}/invoices`, undefined, 403);
      await refused(who, 'POST', `/invoices/${invoice.id}/checkout`, {}, 403);
    }
    await refused(stranger, 'GET', `/invoices/${invoice.id}`, undefined, 404);
    await refused(stranger, 'GET', `/projects/${pid}/invoices`, undefined, 404);
    await refused(stranger, 'POST', `/invoices/${invoice.id}/checkout`, {}, 404);

    // The client, verified, reads and pays, and answers the invitation.
    expect((await client.call('GET', `/invoices/${invoice.id}`)).status).toBe(200);
    expect(
      (await client.call('GET', `/projects/${pid}/invoices`)).body.map((i: any) => i.id),
    ).toEqual([invoice.id]);
    const checkout = await client.call('POST', `/invoices/${invoice.id}/checkout`, {});
    expect(checkout.status).toBe(201);
    expect(checkout.body).toEqual({
      paymentIntentId: expect.any(String),
      clientSecret: expect.any(String),
    });
    const accepted = await client.call('PATCH', `/users/teams/${team.id}/invites/${inviteId}`, {
      accepted: true,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: inviteId, accepted: true });
  });

  it('takes the namespaced claims an Auth0 Action adds, verified only when they say so', async () => {
    const owner = await f.person('owner');
    const email = `ns-${uniq()}@example.com`;
    const pid = await f.project(owner);
    const team = (await owner.call('POST', '/users/teams', { name: 'Namespaced' })).body;
    expect(
      (await owner.call('POST', `/users/teams/${team.id}/invites`, { emailList: [email] })).status,
    ).toBe(201);
    const draft = await owner.call('POST', `/projects/${pid}/estimates`, {
      title: 'Work',
      currency: 'EUR',
      validUntil: '2099-12-31',
      clientEmail: email,
      items: [{ description: 'Build', quantity: '1', unit: 'hour', unitPrice: 10000 }],
    });
    const estimateId = draft.body.id as string;
    expect(
      (
        await owner.call('POST', `/estimates/${estimateId}/send`, {
          expiresInMs: 60_000,
          reminderBeforeMs: 0,
        })
      ).status,
    ).toBe(200);

    // Upper case in the token: addresses compare without case.
    const client = await caller('ns-client', email, {
      [`${NS}email`]: email.toUpperCase(),
      [`${NS}email_verified`]: true,
    });
    const invites = await client.call('GET', '/users/teams/invites');
    expect(invites.status).toBe(200);
    expect(invites.body).toEqual([expect.objectContaining({ teamId: team.id, accepted: false })]);
    const read = await client.call('GET', `/estimates/${estimateId}`);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(estimateId);
    expect(
      (await client.call('POST', `/estimates/${estimateId}/reject`, { reason: 'too dear' })).status,
    ).toBe(200);
    const accepted = await client.call(
      'PATCH',
      `/users/teams/${team.id}/invites/${invites.body[0].id}`,
      { accepted: true },
    );
    expect(accepted.status).toBe(200);

    // A standard claim that says unverified is not overruled by a namespaced one that says otherwise.
    const mixed = await caller('mixed', email, {
      email,
      email_verified: false,
      [`${NS}email`]: email,
      [`${NS}email_verified`]: true,
    });
    expect((await mixed.call('GET', `/estimates/${estimateId}`)).status).toBe(403);
  });
});

describe("a client's view of what was sent to them", () => {
  it("never shows the team's Auth0 ids (history, decisions, payments)", async () => {
    const owner = await f.person('owner');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const { estimateId, invoice } = await f.approvedInvoice(owner, client, pid);
    const withdrawn = await f.sentEstimate(owner, client, pid);
    expect((await owner.call('POST', `/estimates/${withdrawn}/withdraw`, {})).status).toBe(200);
    const paid = await owner.call('POST', `/invoices/${invoice.id}/payments`, {
      amount: 100,
      reference: 'SEPA 7',
    });
    expect(paid.status).toBe(201);

    // The team sees who did what; the check below is only meaningful if the ids are there to leak.
    expect(JSON.stringify((await owner.call('GET', `/estimates/${withdrawn}`)).body)).toContain(
      owner.sub,
    );

    const seen: Array<[string, unknown]> = [];
    for (const path of [
      `/estimates/${estimateId}`,
      `/estimates/${withdrawn}`,
      `/projects/${pid}/estimates`,
      `/invoices/${invoice.id}`,
      `/projects/${pid}/invoices`,
    ]) {
      const res = await client.call('GET', path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      seen.push([path, res.body]);
    }
    const leaks = seen
      .filter(([, body]) => JSON.stringify(body).includes(owner.sub))
      .map(([path]) => path);
    expect(leaks).toEqual([]);
  });
});
