import { stripeEventPayload, stripeSignature } from '../../platform/payments/stripeTestEvents';
import { eventually, uniq } from './env';
import { profile, type TestSystem } from './system';

/** People and the estimate-to-payment steps, over HTTP, as the frontend would take them. */
export function flows(sys: TestSystem) {
  async function person(name: string, email = `${name}-${uniq()}@example.com`) {
    const sub = `auth0|${name}-${uniq()}`;
    // The identity provider vouches for the address: what invitations and estimates trust.
    const token = sys.issuer.token(sub, { email, email_verified: true });
    const call = (method: string, path: string, body?: unknown) =>
      sys.api().call(method, path, { token, body });
    const registered = await call('POST', '/users', profile(sub, email));
    if (registered.status !== 201)
      throw new Error(`registration failed: ${JSON.stringify(registered.body)}`);
    return { sub, email, token, call };
  }
  type Person = Awaited<ReturnType<typeof person>>;

  async function project(owner: Person) {
    const pid = (await owner.call('POST', '/projects', { name: 'Client work' })).body.id as string;
    return pid;
  }

  async function sentEstimate(
    owner: Person,
    client: Person,
    pid: string,
    send: { expiresInMs?: number; reminderBeforeMs?: number } = {},
    extra: object = {},
  ) {
    const e = await owner.call('POST', `/projects/${pid}/estimates`, {
      title: 'Work',
      currency: 'EUR',
      validUntil: '2099-12-31',
      clientEmail: client.email,
      items: [{ description: 'Build', quantity: '10', unit: 'hour', unitPrice: 10000 }],
      ...extra,
    });
    if (e.status !== 201) throw new Error(`draft failed: ${JSON.stringify(e.body)}`);
    const sent = await owner.call('POST', `/estimates/${e.body.id}/send`, {
      expiresInMs: send.expiresInMs ?? 60_000,
      reminderBeforeMs: send.reminderBeforeMs ?? 0,
    });
    if (sent.status !== 200) throw new Error(`send failed: ${JSON.stringify(sent.body)}`);
    return e.body.id as string;
  }

  async function invoiceOf(owner: Person, pid: string, estimateId: string) {
    return eventually(
      async () =>
        (await owner.call('GET', `/projects/${pid}/invoices`)).body.find(
          (i: any) => i.estimateId === estimateId,
        ),
      20_000,
      'the invoice',
    );
  }

  /** Sent, approved by the client, and its invoice visible. */
  async function approvedInvoice(owner: Person, client: Person, pid: string, extra: object = {}) {
    const estimateId = await sentEstimate(owner, client, pid, {}, extra);
    const approved = await client.call('POST', `/estimates/${estimateId}/approve`);
    if (approved.status !== 200)
      throw new Error(`approve failed: ${JSON.stringify(approved.body)}`);
    return { estimateId, invoice: await invoiceOf(owner, pid, estimateId) };
  }

  async function untilStatus(who: Person, path: string, status: string, timeoutMs = 20_000) {
    return eventually(
      async () => {
        const got = (await who.call('GET', path)).body;
        return got.status === status ? got : null;
      },
      timeoutMs,
      `${path} to be ${status}`,
    );
  }

  /** Plays the provider's part: the webhook call Stripe makes when a payment went through. */
  async function providerPaid(
    invoiceId: string,
    paymentIntentId: string,
    amount: number,
    currency = 'eur',
  ) {
    const payload = stripeEventPayload({
      type: 'payment_intent.succeeded',
      paymentIntentId,
      amount,
      currency,
      invoiceId,
      eventId: `evt_${uniq()}`,
    });
    const port = sys.processes.find((p) => p.child.exitCode === null)!.port;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/payments/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Stripe-Signature': stripeSignature(
          payload,
          process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_test_devpie',
        ),
      },
      body: payload,
    });
    return { status: res.status, body: await res.json() };
  }

  return { person, project, sentEstimate, approvedInvoice, invoiceOf, untilStatus, providerPaid };
}
