import { stripeEventPayload, stripeSignature } from '../../platform/payments/stripeTestEvents';
import { assertConforms } from './conformance';
import { eventually, uniq } from './env';
import { profile, type TestSystem } from './system';

/**
 * People and the estimate-to-payment steps, over HTTP, as the frontend would take them: through
 * the typed client generated from the OpenAPI document, so the document's paths, parameters and
 * bodies are the ones these steps use.
 */
export function flows(sys: TestSystem) {
  /** The typed client, as the caller (a fresh one per step: a test may have restarted the API). */
  const api = (who: { token: string }) => sys.client(who.token);

  /** The answer, when it is the one wanted; anything else (a refusal, 202 pending) fails the step. */
  function wanted<T>(
    what: string,
    status: number,
    answer: { data?: T; error?: unknown; response: Response },
  ): Exclude<T, { status: 'pending' }> {
    const { data, error, response } = answer;
    if (
      response.status !== status ||
      data === undefined ||
      (data as { status?: unknown }).status === 'pending'
    )
      throw new Error(`${what} failed: ${response.status} ${JSON.stringify(data ?? error)}`);
    return data as Exclude<T, { status: 'pending' }>;
  }

  async function person(name: string, email = `${name}-${uniq()}@example.com`) {
    const sub = `auth0|${name}-${uniq()}`;
    // The identity provider vouches for the address: what invitations and estimates trust.
    const token = sys.issuer.token(sub, { email, email_verified: true });
    const call = (method: string, path: string, body?: unknown) =>
      sys.api().call(method, path, { token, body });
    wanted('registration', 201, await api({ token }).POST('/users', { body: profile(sub, email) }));
    return { sub, email, token, call, api: sys.client(token) };
  }
  type Person = Pick<Awaited<ReturnType<typeof person>>, 'sub' | 'email' | 'token' | 'call'>;

  async function project(owner: Person) {
    return wanted(
      'creating a project',
      201,
      await api(owner).POST('/projects', { body: { name: 'Client work' } }),
    ).id;
  }

  async function sentEstimate(
    owner: Person,
    client: Person,
    pid: string,
    send: { expiresInMs?: number; reminderBeforeMs?: number } = {},
    extra: object = {},
  ) {
    const { id } = wanted(
      'draft',
      201,
      await api(owner).POST('/projects/{pid}/estimates', {
        params: { path: { pid } },
        body: {
          title: 'Work',
          currency: 'EUR',
          validUntil: '2099-12-31',
          clientEmail: client.email,
          items: [{ description: 'Build', quantity: '10', unit: 'hour', unitPrice: 10000 }],
          ...extra,
        },
      }),
    );
    wanted(
      'send',
      200,
      await api(owner).POST('/estimates/{eid}/send', {
        params: { path: { eid: id } },
        body: {
          expiresInMs: send.expiresInMs ?? 60_000,
          reminderBeforeMs: send.reminderBeforeMs ?? 0,
        },
      }),
    );
    return id;
  }

  async function invoiceOf(owner: Person, pid: string, estimateId: string) {
    return eventually(
      async () =>
        wanted(
          'listing invoices',
          200,
          await api(owner).GET('/projects/{pid}/invoices', { params: { path: { pid } } }),
        ).find((i) => i.estimateId === estimateId),
      20_000,
      'the invoice',
    );
  }

  /** Sent, approved by the client, and its invoice visible. */
  async function approvedInvoice(owner: Person, client: Person, pid: string, extra: object = {}) {
    const estimateId = await sentEstimate(owner, client, pid, {}, extra);
    wanted(
      'approve',
      200,
      await api(client).POST('/estimates/{eid}/approve', { params: { path: { eid: estimateId } } }),
    );
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
    const path = '/api/v1/payments/webhooks/stripe';
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
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
    const body = await res.json();
    assertConforms({ method: 'POST', path, status: res.status, headers: res.headers, body });
    return { status: res.status, body };
  }

  return { person, project, sentEstimate, approvedInvoice, invoiceOf, untilStatus, providerPaid };
}
