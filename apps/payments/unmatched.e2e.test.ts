import { connectTemporal } from '../../platform/temporal/connection';
import { eventually } from '../../test/support/env';
import { startTestSmtp, type TestSmtp } from '../../test/support/smtp';
import { flows } from '../../test/support/flows';
import { startWholeSystem, type TestSystem } from '../../test/support/system';
import { workflowIds } from '../../workflows/ids';

jest.setTimeout(120_000);

let sys: TestSystem;
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startTestSmtp(0);
  sys = await startWholeSystem({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await sys?.stop();
  await smtp?.close();
});

describe('a provider payment that does not fit its invoice', () => {
  it('is recorded as unmatched for people to settle, and never pays the invoice', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const { invoice } = await f.approvedInvoice(owner, client, pid);
    expect(invoice).toMatchObject({
      currency: 'EUR',
      amount: 100000,
      amountDue: 100000,
      unmatchedPayments: [],
    });
    const read = async () => (await owner.call('GET', `/invoices/${invoice.id}`)).body;

    // Correctly signed: the provider did take this money, just not what the invoice asks for.
    const first = (await client.call('POST', `/invoices/${invoice.id}/checkout`)).body
      .paymentIntentId as string;
    expect(await f.providerPaid(invoice.id, first, 100 * 100000)).toEqual({
      status: 200,
      body: { received: true },
    });
    const second = (await client.call('POST', `/invoices/${invoice.id}/checkout`)).body
      .paymentIntentId as string;
    expect(await f.providerPaid(invoice.id, second, 100000, 'jpy')).toEqual({
      status: 200,
      body: { received: true },
    });

    const unmatched = await eventually(
      async () => {
        const got = await read();
        return got.unmatchedPayments.length === 2 ? got : null;
      },
      20_000,
      'both unmatched payments',
    );
    expect(unmatched).toMatchObject({ status: 'open', amountPaid: 0, amountDue: 100000 });
    expect(unmatched.unmatchedPayments).toEqual([
      {
        paymentId: expect.any(String),
        amount: 10_000_000,
        currency: 'EUR',
        providerReference: first,
        reason: '10000000 paid, only 100000 is due',
        at: expect.any(String),
      },
      {
        paymentId: expect.any(String),
        amount: 100000,
        currency: 'JPY',
        providerReference: second,
        reason: 'paid in JPY, the invoice is in EUR',
        at: expect.any(String),
      },
    ]);
    expect(
      unmatched.history.filter((h: { type: string }) => h.type === 'UnmatchedPaymentReceived'),
    ).toHaveLength(2);
    expect(unmatched.history.map((h: { type: string }) => h.type)).not.toContain(
      'PaymentSucceeded',
    );
    // The checkouts' requests are no longer pending, and neither counts.
    expect(unmatched.payments).toEqual([
      expect.objectContaining({ reference: first, status: 'unmatched', amount: 100000 }),
      expect.objectContaining({ reference: second, status: 'unmatched', amount: 100000 }),
    ]);
    expect(
      smtp.received.some((m) => m.to.includes(client.email) && /Payment received/.test(m.raw)),
    ).toBe(false);

    // A payment that fits still pays it, exactly.
    const third = (await client.call('POST', `/invoices/${invoice.id}/checkout`)).body
      .paymentIntentId as string;
    await f.providerPaid(invoice.id, third, 100000);
    const paid = await f.untilStatus(owner, `/invoices/${invoice.id}`, 'paid');
    expect(paid).toMatchObject({ amountPaid: 100000, amountDue: 0 });
    expect(paid.unmatchedPayments).toHaveLength(2);
    expect(paid.payments.filter((p: { status: string }) => p.status === 'succeeded')).toEqual([
      expect.objectContaining({ reference: third, amount: 100000 }),
    ]);
  });

  it('is unmatched when it arrives after the invoice was paid (a second checkout paid too)', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const { invoice } = await f.approvedInvoice(owner, client, pid);
    const first = (await client.call('POST', `/invoices/${invoice.id}/checkout`)).body
      .paymentIntentId as string;
    const second = (await client.call('POST', `/invoices/${invoice.id}/checkout`)).body
      .paymentIntentId as string;
    await f.providerPaid(invoice.id, first, 100000);
    await f.untilStatus(owner, `/invoices/${invoice.id}`, 'paid');
    // Its process is over; the money still has to reach someone. The provider repeating the
    // report of the payment that counted adds nothing.
    const temporal = await connectTemporal({
      address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'devpie-test',
      taskQueue: sys.env.TEMPORAL_TASK_QUEUE!,
    });
    try {
      expect(
        await temporal.client.workflow.getHandle(workflowIds.invoicePayment(invoice.id)).result(),
      ).toBe('paid');
    } finally {
      await temporal.connection.close();
    }
    await f.providerPaid(invoice.id, first, 100000);
    await f.providerPaid(invoice.id, second, 100000);
    const got = await eventually(
      async () => {
        const body = (await owner.call('GET', `/invoices/${invoice.id}`)).body;
        return body.unmatchedPayments.length > 0 ? body : null;
      },
      20_000,
      'the late payment',
    );
    expect(got).toMatchObject({ status: 'paid', amountPaid: 100000, amountDue: 0 });
    expect(got.unmatchedPayments).toEqual([
      expect.objectContaining({
        amount: 100000,
        currency: 'EUR',
        providerReference: second,
        reason: 'paid after the invoice was paid',
      }),
    ]);
  });

  it('is unmatched when more than what is left after a bank transfer', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const { invoice } = await f.approvedInvoice(owner, client, pid);
    // The checkout asked for the whole amount; a transfer arrives before the client pays it.
    const intent = (await client.call('POST', `/invoices/${invoice.id}/checkout`)).body
      .paymentIntentId as string;
    expect(
      (
        await owner.call('POST', `/invoices/${invoice.id}/payments`, {
          amount: 40000,
          reference: 'SEPA 1',
        })
      ).status,
    ).toBe(201);
    await f.providerPaid(invoice.id, intent, 100000);
    const got = await eventually(
      async () => {
        const body = (await owner.call('GET', `/invoices/${invoice.id}`)).body;
        return body.unmatchedPayments.length === 1 ? body : null;
      },
      20_000,
      'the unmatched payment',
    );
    expect(got).toMatchObject({ status: 'open', amountPaid: 40000, amountDue: 60000 });
    expect(got.unmatchedPayments[0]).toMatchObject({
      amount: 100000,
      currency: 'EUR',
      reason: '100000 paid, only 60000 is due',
    });
  });

  it('of no money is acknowledged and left out, and the invoice goes on taking payments', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const { invoice } = await f.approvedInvoice(owner, client, pid);
    // Signed, about an intent the invoice never asked for, and a success of nothing: once it
    // held the invoice's process, every later checkout and transfer answered after the wait.
    expect(await f.providerPaid(invoice.id, 'pi_of_nothing', 0)).toEqual({
      status: 200,
      body: { received: true },
    });
    expect((await client.call('POST', `/invoices/${invoice.id}/checkout`)).status).toBe(201);
    expect(
      (
        await owner.call('POST', `/invoices/${invoice.id}/payments`, {
          amount: 100000,
          reference: 'SEPA all',
        })
      ).status,
    ).toBe(201);
    expect((await owner.call('GET', `/invoices/${invoice.id}`)).body).toMatchObject({
      status: 'paid',
      amountPaid: 100000,
      unmatchedPayments: [],
    });
  });
});
