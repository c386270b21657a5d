import { eventually, onTestLog } from '../../test/support/env';
import { refusingReceipts, startTestSmtp, type TestSmtp } from '../../test/support/smtp';
import { flows } from '../../test/support/flows';
import { startWholeSystem, type TestSystem, eventsInChosenLog } from '../../test/support/system';

jest.setTimeout(120_000);

let sys: TestSystem;
let smtp: TestSmtp;
beforeAll(async () => {
  // The receipt to a "no-receipt" address is refused for good: the step after the charge fails.
  smtp = await startTestSmtp(0, refusingReceipts);
  sys = await startWholeSystem({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await sys?.stop();
  await smtp?.close();
});

describe(onTestLog('paying through the provider'), () => {
  it('checks out, and is paid when the signed webhook says so', async () => {
    const f = flows(sys);
    const [owner, client] = [await f.person('dev'), await f.person('client')];
    const pid = await f.project(owner);
    const { invoice } = await f.approvedInvoice(owner, client, pid);

    expect((await owner.call('POST', `/invoices/${invoice.id}/checkout`)).status).toBe(403);
    const checkout = await client.call('POST', `/invoices/${invoice.id}/checkout`);
    expect(checkout.status).toBe(201);
    expect(checkout.body).toEqual({
      paymentIntentId: expect.stringMatching(/^pi_/),
      clientSecret: expect.any(String),
    });
    const requested = await eventually(
      async () => (await owner.call('GET', `/invoices/${invoice.id}`)).body.payments[0],
      10_000,
      'the payment request',
    );
    expect(requested).toMatchObject({ method: 'stripe', status: 'requested', amount: 100000 });

    // An unsigned or tampered call changes nothing.
    const port = sys.processes[0]!.port;
    const forged = await fetch(`http://127.0.0.1:${port}/api/v1/payments/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=deadbeef' },
      body: JSON.stringify({ type: 'payment_intent.succeeded' }),
    });
    expect(forged.status).toBe(400);

    expect(await f.providerPaid(invoice.id, checkout.body.paymentIntentId, 100000)).toEqual({
      status: 200,
      body: { received: true },
    });
    const paid = await f.untilStatus(owner, `/invoices/${invoice.id}`, 'paid');
    expect(paid).toMatchObject({ amountPaid: 100000, amountDue: 0 });
    expect(paid.payments).toEqual([
      expect.objectContaining({ method: 'stripe', status: 'succeeded', amount: 100000 }),
    ]);
    // The provider retries its webhook: the payment is recorded once.
    await f.providerPaid(invoice.id, checkout.body.paymentIntentId, 100000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await owner.call('GET', `/invoices/${invoice.id}`)).body).toMatchObject({
      amountPaid: 100000,
    });
    expect(
      smtp.received.some((m) => m.to.includes(client.email) && /Payment received/.test(m.raw)),
    ).toBe(true);
    // Told of the invoice once, with the link to it.
    const told = smtp.received.filter(
      (m) => m.to.includes(client.email) && /Subject: Invoice for/.test(m.raw),
    );
    expect(told).toHaveLength(1);
    expect(told[0]!.raw.replace(/=\r?\n/g, '')).toContain(`/invoices/${invoice.id}`); // quoted-printable lines joined
  });

  it('refunds the charge and reopens the invoice when the step after it fails for good', async () => {
    const f = flows(sys);
    const owner = await f.person('dev');
    const client = await f.person('noreceipt');
    const pid = await f.project(owner);
    const { invoice } = await f.approvedInvoice(owner, client, pid);
    const checkout = await client.call('POST', `/invoices/${invoice.id}/checkout`);
    await f.providerPaid(invoice.id, checkout.body.paymentIntentId, 100000);
    const refunded = await eventually(
      async () => {
        const got = (await owner.call('GET', `/invoices/${invoice.id}`)).body;
        return got.history.some((h: any) => h.type === 'PaymentRefunded') ? got : null;
      },
      30_000,
      'the refund',
    );
    expect(refunded).toMatchObject({ status: 'open', amountPaid: 0, amountDue: 100000 });
    expect(refunded.history.map((h: any) => h.type)).toEqual(
      expect.arrayContaining(['PaymentSucceeded', 'PaymentRefunded']),
    );
    expect(refunded.payments).toEqual([
      expect.objectContaining({
        method: 'stripe',
        amount: 100000,
        refunded: 100000,
        status: 'refunded',
      }),
    ]);
  });
});

describe(onTestLog('paying through the provider: where it wrote'), () => {
  it('keeps the invoices in the log this run chose (a role on another log would leave it empty)', async () => {
    expect(await eventsInChosenLog(sys, 'invoice')).toBeGreaterThan(0);
  });
});
