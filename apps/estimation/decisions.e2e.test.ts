import { Client, Connection } from '@temporalio/client';
import { eventually } from '../../test/support/env';
import { flows } from '../../test/support/flows';
import { workflowIds } from '../../workflows/ids';
import { startWholeSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(180_000);

/**
 * Below the dispatcher's 5 s wait for a process that has not started: a decision that waited it
 * out for a process that is over would be answered 202 (pending), so the status counts alone show
 * that none did.
 */
const WRITE_WAIT_MS = 4500;

let sys: TestSystem;
beforeAll(async () => {
  sys = await startWholeSystem({
    WRITE_WAIT_MS: String(WRITE_WAIT_MS),
    INVOICE_REMINDER_EVERY_MS: '60000',
  });
});
afterAll(() => sys?.stop());

type Answer = { status: number; body: any; ms: number };

/** The same call from several callers at once, each answer with how long it took. */
const together = (n: number, call: () => Promise<{ status: number; body: any }>) =>
  Promise.all(
    Array.from({ length: n }, async (): Promise<Answer> => {
      const start = Date.now();
      const res = await call();
      return { ...res, ms: Date.now() - start };
    }),
  );

const counts = (answers: Answer[]) =>
  answers.reduce<Record<number, number>>(
    (c, a) => ({ ...c, [a.status]: (c[a.status] ?? 0) + 1 }),
    {},
  );

describe('decisions that collide', () => {
  it('five approvals of one estimate at once: one is the decision, the others are told at once it is decided', async () => {
    const f = flows(sys);
    const owner = await f.person('dev');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const eid = await f.sentEstimate(owner, client, pid);

    const answers = await together(5, () => client.call('POST', `/estimates/${eid}/approve`));
    expect(counts(answers)).toEqual({ 200: 1, 409: 4 });
    const winner = answers.find((a) => a.status === 200)!;
    expect(winner.body).toMatchObject({ status: 'approved', decidedBy: client.sub });
    for (const lost of answers.filter((a) => a.status === 409)) {
      expect(lost.body).toEqual({ error: expect.stringMatching(/^already decided/) });
      // Answered, not waited out (the wait for a process that has not started is 5 s).
      expect(lost.ms).toBeLessThan(WRITE_WAIT_MS);
    }
    expect((await owner.call('GET', `/estimates/${eid}`)).body.history).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'EstimateApproved' })]),
    );
    expect(
      (await owner.call('GET', `/estimates/${eid}`)).body.history.filter(
        (h: any) => h.type === 'EstimateApproved',
      ),
    ).toHaveLength(1);
    // One approval, one invoice.
    await f.invoiceOf(owner, pid, eid);
    expect(
      (await owner.call('GET', `/projects/${pid}/invoices`)).body.filter(
        (i: any) => i.estimateId === eid,
      ),
    ).toHaveLength(1);
  });

  it('a decision after the process is over is refused at once, whichever decision ended it', async () => {
    const f = flows(sys);
    const owner = await f.person('dev');
    const client = await f.person('client');
    const pid = await f.project(owner);

    const approved = await f.sentEstimate(owner, client, pid);
    expect((await client.call('POST', `/estimates/${approved}/approve`)).status).toBe(200);
    const late = await together(1, () =>
      client.call('POST', `/estimates/${approved}/reject`, { reason: 'too late' }),
    );
    expect(late.map((a) => [a.status, a.body])).toEqual([
      [409, { error: 'already decided: the estimate is approved' }],
    ]);

    const withdrawn = await f.sentEstimate(owner, client, pid);
    expect((await owner.call('POST', `/estimates/${withdrawn}/withdraw`)).status).toBe(200);
    const after = await together(2, () => client.call('POST', `/estimates/${withdrawn}/approve`));
    expect(after.map((a) => [a.status, a.body])).toEqual([
      [409, { error: 'already decided: the estimate is withdrawn' }],
      [409, { error: 'already decided: the estimate is withdrawn' }],
    ]);
  });

  it('a decision right after the estimate is sent still reaches its process', async () => {
    const f = flows(sys);
    const owner = await f.person('dev');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const eid = await f.sentEstimate(owner, client, pid);
    const approved = await client.call('POST', `/estimates/${eid}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved' });

    // The team withdraws as soon as the process exists, while its send may still be on its way
    // (the send's answer waits for the send to be recorded): the process takes the decision once
    // it has recorded the send.
    const other = (
      await owner.call('POST', `/projects/${pid}/estimates`, {
        title: 'Work',
        currency: 'EUR',
        validUntil: '2099-12-31',
        clientEmail: client.email,
        items: [{ description: 'Build', quantity: '1', unit: 'hour', unitPrice: 10000 }],
      })
    ).body;
    const sending = owner.call('POST', `/estimates/${other.id}/send`, { expiresInMs: 60_000 });
    const connection = await Connection.connect({
      address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    });
    try {
      const temporal = new Client({
        connection,
        namespace: process.env.TEMPORAL_NAMESPACE ?? 'devpie-test',
      });
      const run = temporal.workflow.getHandle(workflowIds.estimateApproval(other.id));
      await eventually(
        () =>
          run.describe().then(
            () => true,
            () => false,
          ),
        10_000,
        'the process to start',
      );
    } finally {
      await connection.close();
    }
    const withdrawal = await owner.call('POST', `/estimates/${other.id}/withdraw`);
    expect((await sending).status).toBe(200);
    expect([withdrawal.status, withdrawal.body.status]).toEqual([200, 'withdrawn']);
  });

  it('payments to an invoice that is settled are refused at once; of several at once for what is due, one is counted', async () => {
    const f = flows(sys);
    const owner = await f.person('dev');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const { invoice } = await f.approvedInvoice(owner, client, pid, { depositPercent: 100 });
    const due = invoice.amountDue;

    const answers = await together(4, () =>
      owner.call('POST', `/invoices/${invoice.id}/payments`, {
        amount: due,
        reference: 'SEPA',
      }),
    );
    expect(counts(answers)).toEqual({ 201: 1, 409: 3 });
    for (const lost of answers.filter((a) => a.status === 409)) {
      expect(lost.body).toEqual({ error: 'already decided: the invoice is paid' });
      expect(lost.ms).toBeLessThan(WRITE_WAIT_MS);
    }
    const paid = (await owner.call('GET', `/invoices/${invoice.id}`)).body;
    expect(paid).toMatchObject({ status: 'paid', amountPaid: due, amountDue: 0 });
    expect(paid.payments).toHaveLength(1);

    const cancel = await together(1, () =>
      owner.call('POST', `/invoices/${invoice.id}/cancel`, { reason: 'too late' }),
    );
    expect(cancel.map((a) => [a.status, a.body])).toEqual([
      [409, { error: 'already decided: the invoice is paid' }],
    ]);
  });
});
