import type { CommandEnvelope } from '../../contracts/envelope';
import { eventually, onTestLog, testLog, uniq } from '../../test/support/env';
import {
  profile,
  startWholeSystem,
  type TestSystem,
  eventsInChosenLog,
} from '../../test/support/system';

jest.setTimeout(120_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startWholeSystem({ INVOICE_DUE_IN_MS: '4000', INVOICE_REMINDER_EVERY_MS: '60000' });
});
afterAll(() => sys?.stop());

async function person(name: string) {
  const sub = `auth0|${name}-${uniq()}`;
  const email = `${name}-${uniq()}@example.com`;
  const token = sys.issuer.token(sub, { email, email_verified: true });
  const call = (method: string, path: string, body?: unknown) =>
    sys.api().call(method, path, { token, body });
  expect((await call('POST', '/users', profile(sub, email))).status).toBe(201);
  return { sub, email, call };
}

async function setup() {
  const owner = await person('dev');
  const client = await person('client');
  const pid = (await owner.call('POST', '/projects', { name: 'Shop' })).body.id;
  const column = (await owner.call('GET', `/projects/${pid}/columns`)).body[0].id;
  for (const [title, points] of [
    ['Cart', 3],
    ['Checkout', 5],
    ['Unsized', 0],
  ] as const) {
    const t = (await owner.call('POST', `/projects/${pid}/columns/${column}/tasks`, { title }))
      .body;
    if (points) await owner.call('PATCH', `/projects/tasks/${t.id}`, { points });
  }
  return { owner, client, pid };
}

const draft = (clientEmail: string, extra: object = {}) => ({
  title: 'Online shop',
  currency: 'EUR',
  validUntil: '2099-12-31',
  taxRate: 2000,
  discount: 1000,
  depositPercent: 50,
  clientEmail,
  items: [{ description: 'Design', quantity: '1.5', unit: 'hour', unitPrice: 9999 }],
  importTasks: { rate: 5000 },
  ...extra,
});

describe(onTestLog('estimates to payments'), () => {
  it('drafts exactly, is approved by its client, and issues a deposit invoice paid by bank transfer', async () => {
    const { owner, client, pid } = await setup();
    const created = await owner.call('POST', `/projects/${pid}/estimates`, draft(client.email));
    expect(created.status).toBe(201);
    const e = created.body;
    // 1.5 h × 99.99 = 149.985 → 149.99; tasks 3 + 5 points × 50.00 = 400.00.
    expect(
      e.items.map((i: any) => [i.description.replace(/^Sho-\d+ /, ''), i.quantity, i.lineTotal]),
    ).toEqual([
      ['Design', '1.5', 14999],
      ['Cart', '3', 15000],
      ['Checkout', '5', 25000],
    ]);
    expect(e.totals).toEqual({ subtotal: 54999, discount: 1000, tax: 10800, total: 64799 });
    expect(e.status).toBe('draft');

    const edited = await owner.call('PATCH', `/estimates/${e.id}`, {
      notes: 'Includes hosting setup.',
    });
    expect(edited.body.notes).toBe('Includes hosting setup.');
    expect((await client.call('GET', `/estimates/${e.id}`)).status).toBe(404); // drafts stay with the team

    const sent = await owner.call('POST', `/estimates/${e.id}/send`, {
      expiresInMs: 60_000,
      reminderBeforeMs: 0,
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      status: 'sent',
      clientEmail: client.email,
      expiresAt: expect.any(String),
    });
    expect((await owner.call('PATCH', `/estimates/${e.id}`, { notes: 'late change' })).status).toBe(
      409,
    );

    // Only the addressed client decides.
    expect((await owner.call('POST', `/estimates/${e.id}/approve`)).status).toBe(403);
    const stranger = await person('stranger');
    expect((await stranger.call('POST', `/estimates/${e.id}/approve`)).status).toBe(404);
    const approved = await client.call('POST', `/estimates/${e.id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: client.sub });
    expect(
      (await client.call('POST', `/estimates/${e.id}/reject`, { reason: 'changed my mind' }))
        .status,
    ).toBe(409);

    const invoice = await eventually(
      async () => (await owner.call('GET', `/projects/${pid}/invoices`)).body[0],
      15_000,
      'the invoice',
    );
    // Half of 647.99, rounded half up.
    expect(invoice).toMatchObject({
      estimateId: e.id,
      amount: 32400,
      amountPaid: 0,
      amountDue: 32400,
      kind: 'deposit',
      status: 'open',
      currency: 'EUR',
    });
    expect((await client.call('GET', `/invoices/${invoice.id}`)).status).toBe(200);
    expect(
      (
        await client.call('POST', `/invoices/${invoice.id}/payments`, {
          amount: 100,
          reference: 'x',
        })
      ).status,
    ).toBe(404);

    const part = await owner.call('POST', `/invoices/${invoice.id}/payments`, {
      amount: 20000,
      reference: 'SEPA 2026-11-26',
    });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ amountPaid: 20000, amountDue: 12400, status: 'open' });
    expect(
      (
        await owner.call('POST', `/invoices/${invoice.id}/payments`, {
          amount: 99999,
          reference: 'too much',
        })
      ).status,
    ).toBe(422);
    const rest = await owner.call('POST', `/invoices/${invoice.id}/payments`, {
      amount: 12400,
      reference: 'SEPA 2026-11-27',
    });
    expect(rest.body).toMatchObject({ amountPaid: 32400, amountDue: 0, status: 'paid' });
    expect(rest.body.payments.map((p: any) => [p.method, p.amount, p.status])).toEqual([
      ['manual', 20000, 'succeeded'],
      ['manual', 12400, 'succeeded'],
    ]);
  });

  it('applies a decision the log offers again once, and a refusal stays a refusal', async () => {
    const { owner, client, pid } = await setup();
    const e = (await owner.call('POST', `/projects/${pid}/estimates`, draft(client.email))).body;
    await owner.call('POST', `/estimates/${e.id}/send`, {
      expiresInMs: 60_000,
      reminderBeforeMs: 0,
    });
    expect((await client.call('POST', `/estimates/${e.id}/approve`)).status).toBe(200);
    const invoice = await eventually(
      async () => (await owner.call('GET', `/projects/${pid}/invoices`)).body[0],
      15_000,
      'the invoice',
    );
    const paid = await owner.call('POST', `/invoices/${invoice.id}/payments`, {
      amount: 10000,
      reference: 'first',
    });
    expect(paid.status).toBe(201);
    expect(
      (
        await owner.call('POST', `/invoices/${invoice.id}/payments`, {
          amount: 999999,
          reference: 'too much',
        })
      ).status,
    ).toBe(422);

    // The dispatcher's commands offered again, as after a crash before their acknowledgement: the
    // accepted payment is sent to the workflow again (Temporal drops it by its Update id), the
    // refused one is not sent at all, the approval (its process over) changes nothing.
    const log = await testLog(sys.db, sys.prefix, 'again');
    try {
      const again: CommandEnvelope[] = [];
      for (const category of ['estimate', 'invoice']) {
        await log.read(category, 'process', 1, (d) => {
          const c = JSON.parse(d.body) as CommandEnvelope & { fence?: unknown };
          if (
            !c.fence &&
            [`estimate-${e.id}`, `invoice-${invoice.id}`].includes(c.streamId) &&
            c.type !== 'SendEstimate'
          )
            again.push(c);
        });
      }
      expect(again.map((c) => c.type).sort()).toEqual([
        'DecideEstimate',
        'RecordManualPayment',
        'RecordManualPayment',
      ]);
      for (const c of again) await log.sendCommand(c, 'process');
    } finally {
      await log.close();
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect(
      (await owner.call('GET', `/invoices/${invoice.id}`)).body.payments.map((p: any) => p.amount),
    ).toEqual([10000]);
    const later = await owner.call('POST', `/invoices/${invoice.id}/payments`, {
      amount: 5000,
      reference: 'second',
    });
    expect(later.status).toBe(201);
    expect(later.body.payments.map((p: any) => [p.amount, p.reference])).toEqual([
      [10000, 'first'],
      [5000, 'second'],
    ]);
    expect(later.body).toMatchObject({ amountPaid: 15000 });
    expect(
      (await owner.call('GET', `/estimates/${e.id}`)).body.history.filter(
        (h: any) => h.type === 'EstimateApproved',
      ),
    ).toHaveLength(1);
    expect((await owner.call('GET', `/projects/${pid}/invoices`)).body).toHaveLength(1);
  });

  it('ends rejected with a reason, or withdrawn by the team', async () => {
    const { owner, client, pid } = await setup();
    const a = (await owner.call('POST', `/projects/${pid}/estimates`, draft(client.email))).body;
    await owner.call('POST', `/estimates/${a.id}/send`, { expiresInMs: 60_000 });
    expect((await client.call('POST', `/estimates/${a.id}/reject`, {})).status).toBe(400);
    const rejected = await client.call('POST', `/estimates/${a.id}/reject`, {
      reason: 'Over budget',
    });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'Over budget' });

    const b = (await owner.call('POST', `/projects/${pid}/estimates`, draft(client.email))).body;
    await owner.call('POST', `/estimates/${b.id}/send`, { expiresInMs: 60_000 });
    const withdrawn = await owner.call('POST', `/estimates/${b.id}/withdraw`);
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn' });
    expect((await client.call('POST', `/estimates/${b.id}/approve`)).status).toBe(409);
  });

  it('answers what may no longer be sent or decided from the process and the decider, at once', async () => {
    const { owner, client, pid } = await setup();
    // Within the default WRITE_WAIT_MS (5 s), or the README's 409 would be a 202.
    const timed = async (call: Promise<{ status: number; body: any }>) => {
      const start = Date.now();
      const res = await call;
      return {
        status: res.status,
        error: res.body?.error as string,
        fast: Date.now() - start < 3000,
      };
    };
    const e = (await owner.call('POST', `/projects/${pid}/estimates`, draft(client.email))).body;
    // A draft: no process awaits a decision.
    expect(await timed(owner.call('POST', `/estimates/${e.id}/withdraw`))).toEqual({
      status: 409,
      error: expect.stringMatching(/not sent/),
      fast: true,
    });
    expect(
      (await owner.call('POST', `/estimates/${e.id}/send`, { expiresInMs: 60_000 })).status,
    ).toBe(200);
    // Sent, its process open: a second send is refused by the process.
    expect(
      await timed(owner.call('POST', `/estimates/${e.id}/send`, { expiresInMs: 60_000 })),
    ).toEqual({ status: 409, error: expect.stringMatching(/already sent/), fast: true });
    expect((await client.call('POST', `/estimates/${e.id}/approve`)).status).toBe(200);
    // Approved, its process over: a decision finds no process, a send is refused by the decider.
    expect(
      await timed(client.call('POST', `/estimates/${e.id}/reject`, { reason: 'too late' })),
    ).toEqual({ status: 409, error: 'already decided: the estimate is approved', fast: true });
    expect(
      await timed(owner.call('POST', `/estimates/${e.id}/send`, { expiresInMs: 60_000 })),
    ).toEqual({ status: 409, error: expect.stringMatching(/is approved/), fast: true });
    expect((await owner.call('GET', `/estimates/${e.id}`)).body.status).toBe('approved');
  });

  it('reminds, then expires on time; an overdue invoice still takes payment', async () => {
    const { owner, client, pid } = await setup();
    const e = (await owner.call('POST', `/projects/${pid}/estimates`, draft(client.email))).body;
    await owner.call('POST', `/estimates/${e.id}/send`, {
      expiresInMs: 2500,
      reminderBeforeMs: 1500,
    });
    const expired = await eventually(
      async () => {
        const got = (await owner.call('GET', `/estimates/${e.id}`)).body;
        return got.status === 'expired' ? got : null;
      },
      15_000,
      'the expiry',
    );
    expect(expired.history.map((h: any) => h.type)).toEqual(
      expect.arrayContaining(['EstimateSent', 'EstimateReminderSent', 'EstimateExpired']),
    );
    expect((await client.call('POST', `/estimates/${e.id}/approve`)).status).toBe(409);

    const f = (
      await owner.call(
        'POST',
        `/projects/${pid}/estimates`,
        draft(client.email, { depositPercent: 100 }),
      )
    ).body;
    await owner.call('POST', `/estimates/${f.id}/send`, { expiresInMs: 60_000 });
    await client.call('POST', `/estimates/${f.id}/approve`);
    const invoice = await eventually(
      async () =>
        (await owner.call('GET', `/projects/${pid}/invoices`)).body.find(
          (i: any) => i.estimateId === f.id,
        ),
      15_000,
      'the invoice',
    );
    expect(invoice.amount).toBe(64799);
    const overdue = await eventually(
      async () => {
        const got = (await owner.call('GET', `/invoices/${invoice.id}`)).body;
        return got.status === 'overdue' ? got : null;
      },
      15_000,
      'overdue',
    );
    expect(overdue.history.map((h: any) => h.type)).toContain('InvoiceOverdue');
    const paid = await owner.call('POST', `/invoices/${invoice.id}/payments`, {
      amount: 64799,
      reference: 'late transfer',
    });
    expect(paid.body).toMatchObject({ status: 'paid', amountDue: 0 });
  });
});

describe(onTestLog('estimates to payments: where it wrote'), () => {
  it('keeps the estimates in the log this run chose (a role on another log would leave it empty)', async () => {
    expect(await eventsInChosenLog(sys, 'estimate')).toBeGreaterThan(0);
  });
});
