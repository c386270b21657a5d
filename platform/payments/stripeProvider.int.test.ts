import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { PaymentProviderError, WebhookVerificationError } from './port';
import { parseApiBase } from './settings';
import { stripeProvider, type StripeProviderOptions } from './stripeProvider';
import { stripeEventPayload, stripeSignature } from './stripeTestEvents';

/** stripe-mock, started by scripts/dev-stack.sh test; it validates every request against Stripe's OpenAPI spec. */
const STRIPE_MOCK = parseApiBase(process.env.STRIPE_API_BASE ?? 'http://127.0.0.1:12111');
const SECRET_KEY = process.env.STRIPE_SECRET_KEY ?? 'sk_test_123';
const WEBHOOK_SECRET = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_test_devpie';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
  status: number;
}

/**
 * Sits between the client and stripe-mock, records what we send, and can answer a request itself
 * first (a failure Stripe might return) before forwarding the next ones.
 */
async function recordingProxy() {
  const requests: Recorded[] = [];
  const canned: Array<{ status: number; headers: Record<string, string>; body: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: Recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        form: Object.fromEntries(new URLSearchParams(body.toString('utf8'))),
        status: 0,
      };
      requests.push(entry);
      const reply = canned.shift();
      if (reply) {
        entry.status = reply.status;
        res
          .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
          .end(reply.body);
        return;
      }
      const upstream = httpRequest(
        {
          host: STRIPE_MOCK.host,
          port: STRIPE_MOCK.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `${STRIPE_MOCK.host}:${STRIPE_MOCK.port}` },
        },
        (up) => {
          entry.status = up.statusCode ?? 0;
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', (e) => res.writeHead(502).end(String(e)));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    canned,
    api: { protocol: 'http' as const, host: '127.0.0.1', port },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const options = (
  api: StripeProviderOptions['api'],
  more: Partial<StripeProviderOptions> = {},
): StripeProviderOptions => ({
  secretKey: SECRET_KEY,
  webhookSecret: WEBHOOK_SECRET,
  api,
  ...more,
});

describe('Stripe provider against stripe-mock', () => {
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  beforeEach(async () => {
    proxy = await recordingProxy();
  });
  afterEach(() => proxy.close());

  it('creates a payment intent with the amount in minor units, the invoice in metadata and the caller’s idempotency key', async () => {
    const stripe = stripeProvider(options(proxy.api));
    const input = {
      invoiceId: 'inv-42',
      amount: 123_456,
      currency: 'EUR',
      idempotencyKey: 'invoice-inv-42/intent/1',
      description: 'Invoice 42',
    };
    const intent = await stripe.createIntent(input);

    expect(intent).toMatchObject({
      amount: 123_456,
      currency: 'EUR',
      status: 'requires_payment_method',
    });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.clientSecret).toMatch(/^pi_\w+_secret_\w+$/);

    // Exactly what went over the wire, and stripe-mock (which refuses unknown or misshaped
    // parameters, see below) accepted it.
    expect(proxy.requests).toHaveLength(1);
    const [sent] = proxy.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/payment_intents', status: 200 });
    expect(sent!.headers['idempotency-key']).toBe('invoice-inv-42/intent/1');
    expect(sent!.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(sent!.headers['stripe-version']).toBeTruthy();
    expect(sent!.form).toEqual({
      amount: '123456',
      currency: 'eur',
      'metadata[invoiceId]': 'inv-42',
      'automatic_payment_methods[enabled]': 'true',
      description: 'Invoice 42',
    });

    // A retried activity derives the same key, so Stripe hands back the first intent.
    await stripe.createIntent(input);
    expect(proxy.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'invoice-inv-42/intent/1',
      'invoice-inv-42/intent/1',
    ]);
  });

  it('offers the configured payment methods instead of automatic ones', async () => {
    const stripe = stripeProvider(
      options(proxy.api, { paymentMethodTypes: ['card', 'sepa_debit'] }),
    );
    await stripe.createIntent({
      invoiceId: 'inv-1',
      amount: 5000,
      currency: 'eur',
      idempotencyKey: 'k-pm',
    });
    expect(proxy.requests[0]!.status).toBe(200);
    expect(proxy.requests[0]!.form).toMatchObject({
      'payment_method_types[0]': 'card',
      'payment_method_types[1]': 'sepa_debit',
    });
    expect(proxy.requests[0]!.form).not.toHaveProperty('automatic_payment_methods[enabled]');
  });

  it('refunds part of a payment intent with the caller’s idempotency key', async () => {
    const stripe = stripeProvider(options(proxy.api));
    const refund = await stripe.refund({
      paymentIntentId: 'pi_123',
      amount: 2500,
      idempotencyKey: 'invoice-inv-42/refund/1',
    });
    expect(refund).toMatchObject({ amount: 2500, status: 'succeeded' });
    expect(refund.id).toMatch(/^re_/);
    expect(proxy.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/refunds',
      status: 200,
      form: { payment_intent: 'pi_123', amount: '2500' },
    });
    expect(proxy.requests[0]!.headers['idempotency-key']).toBe('invoice-inv-42/refund/1');
  });

  it('is checked by a validating server: stripe-mock refuses a request that breaks Stripe’s spec', async () => {
    // The adapter never sends such a request; the raw client shows that stripe-mock's acceptance
    // of ours above means something.
    const stripe = stripeProvider(options(proxy.api, { maxNetworkRetries: 0 }));
    const missingCurrency = stripe.client.paymentIntents.create({ amount: 100 } as never);
    await expect(missingCurrency).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/currency.*required/),
    });
    const unknownParam = stripe.client.paymentIntents.create({
      amount: 100,
      currency: 'eur',
      amount_in_euros: 1,
    } as never);
    await expect(unknownParam).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/additional properties/),
    });
  });

  it('refuses invalid money locally, before any request: not retryable', async () => {
    const stripe = stripeProvider(options(proxy.api));
    const base = { invoiceId: 'inv-1', amount: 100, currency: 'EUR', idempotencyKey: 'k' };
    for (const bad of [
      { amount: -5 },
      { amount: 0 },
      { amount: 12.5 },
      { amount: Number.MAX_SAFE_INTEGER + 1 },
      { currency: 'EURO' },
      { currency: '' },
      { idempotencyKey: '' },
      { idempotencyKey: 'k'.repeat(256) },
      { invoiceId: '' },
    ]) {
      const error = await stripe.createIntent({ ...base, ...bad }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PaymentProviderError);
      expect(error).toMatchObject({ retryable: false, code: 'validation' });
    }
    await expect(
      stripe.refund({ paymentIntentId: 'pi_1', amount: -1, idempotencyKey: 'k' }),
    ).rejects.toMatchObject({ retryable: false });
    await expect(
      stripe.refund({ paymentIntentId: '', amount: 1, idempotencyKey: 'k' }),
    ).rejects.toMatchObject({ retryable: false });
    expect(proxy.requests).toHaveLength(0);
  });

  it('reports refused credentials as a failure that retrying cannot fix', async () => {
    const stripe = stripeProvider(
      options(proxy.api, { secretKey: 'pk_test_publishable', maxNetworkRetries: 0 }),
    );
    const error = await stripe
      .createIntent({ invoiceId: 'inv-1', amount: 100, currency: 'EUR', idempotencyKey: 'k-auth' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentProviderError);
    expect(error).toMatchObject({
      retryable: false,
      message: expect.stringMatching(/^Stripe answered 401/),
    });
    expect(proxy.requests[0]!.status).toBe(401);
  });

  it('retries a failed attempt inside the client with the same idempotency key', async () => {
    proxy.canned.push({
      status: 500,
      headers: { 'stripe-should-retry': 'true' },
      body: JSON.stringify({ error: { type: 'api_error', message: 'An unknown error occurred' } }),
    });
    const stripe = stripeProvider(options(proxy.api, { maxNetworkRetries: 1 }));
    const intent = await stripe.createIntent({
      invoiceId: 'inv-7',
      amount: 700,
      currency: 'USD',
      idempotencyKey: 'invoice-inv-7/intent/1',
    });
    expect(intent.amount).toBe(700);
    expect(proxy.requests.map((r) => [r.status, r.headers['idempotency-key']])).toEqual([
      [500, 'invoice-inv-7/intent/1'],
      [200, 'invoice-inv-7/intent/1'],
    ]);
  });

  it('reports a provider outage and an unreachable provider as retryable', async () => {
    proxy.canned.push({
      status: 503,
      headers: {},
      body: JSON.stringify({ error: { type: 'api_error', message: 'Service unavailable' } }),
    });
    const outage = stripeProvider(options(proxy.api, { maxNetworkRetries: 0 }));
    await expect(
      outage.refund({ paymentIntentId: 'pi_1', amount: 1, idempotencyKey: 'k-503' }),
    ).rejects.toMatchObject({
      name: 'PaymentProviderError',
      retryable: true,
      message: expect.stringMatching(/^Stripe answered 503/),
    });

    await proxy.close();
    const unreachable = stripeProvider(
      options(proxy.api, { maxNetworkRetries: 0, timeoutMs: 2000 }),
    );
    await expect(
      unreachable.createIntent({
        invoiceId: 'inv-1',
        amount: 100,
        currency: 'EUR',
        idempotencyKey: 'k-down',
      }),
    ).rejects.toMatchObject({
      name: 'PaymentProviderError',
      retryable: true,
      code: 'api_connection_error',
    });
  });
});

describe('Stripe webhooks signed as Stripe signs them', () => {
  const stripe = stripeProvider(options(STRIPE_MOCK));
  let base: Record<string, unknown>;
  beforeAll(async () => {
    // A payment intent in the full shape the API returns, as the base of the events' objects.
    const intent = await stripe.client.paymentIntents.retrieve('pi_fixture');
    base = JSON.parse(JSON.stringify(intent)) as Record<string, unknown>;
    delete base.lastResponse;
  });

  const succeeded = (more: Partial<Parameters<typeof stripeEventPayload>[0]> = {}) =>
    stripeEventPayload({
      type: 'payment_intent.succeeded',
      eventId: 'evt_ok',
      paymentIntentId: 'pi_abc',
      amount: 123_456,
      currency: 'eur',
      invoiceId: 'inv-42',
      base,
      ...more,
    });

  it('accepts a signed payment_intent.succeeded and reads the invoice, amount and currency', () => {
    const body = succeeded();
    expect(stripe.parseWebhook(body, stripeSignature(body, WEBHOOK_SECRET))).toEqual({
      type: 'payment.succeeded',
      eventId: 'evt_ok',
      paymentIntentId: 'pi_abc',
      amount: 123_456,
      currency: 'EUR',
      invoiceId: 'inv-42',
    });
    // The raw bytes as an HTTP server receives them.
    expect(
      stripe.parseWebhook(Buffer.from(body, 'utf8'), stripeSignature(body, WEBHOOK_SECRET)).type,
    ).toBe('payment.succeeded');
  });

  it('accepts a signed payment_intent.payment_failed with the reason', () => {
    const body = stripeEventPayload({
      type: 'payment_intent.payment_failed',
      eventId: 'evt_no',
      paymentIntentId: 'pi_abc',
      amount: 500,
      currency: 'usd',
      invoiceId: 'inv-9',
      failureMessage: 'Your card has insufficient funds.',
      base,
    });
    expect(stripe.parseWebhook(body, stripeSignature(body, WEBHOOK_SECRET))).toEqual({
      type: 'payment.failed',
      eventId: 'evt_no',
      paymentIntentId: 'pi_abc',
      reason: 'Your card has insufficient funds.',
      invoiceId: 'inv-9',
    });
  });

  it('ignores other signed events', () => {
    const body = stripeEventPayload({
      type: 'payment_intent.created',
      eventId: 'evt_c',
      paymentIntentId: 'pi_abc',
      amount: 1,
      currency: 'eur',
      base,
    });
    expect(stripe.parseWebhook(body, stripeSignature(body, WEBHOOK_SECRET))).toEqual({
      type: 'ignored',
      eventId: 'evt_c',
      providerType: 'payment_intent.created',
    });
  });

  it('refuses a tampered body, a wrong secret, a stale or missing signature', () => {
    const body = succeeded();
    const header = stripeSignature(body, WEBHOOK_SECRET);
    const refused = (raw: string, sig: string) => {
      const error = (() => {
        try {
          stripe.parseWebhook(raw, sig);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(WebhookVerificationError);
      return (error as Error).message;
    };
    const tampered = body.replace('"amount": 123456', '"amount": 1');
    expect(tampered).not.toBe(body);
    expect(refused(tampered, header)).toMatch(/No signatures found matching/);
    expect(refused(`${body} `, header)).toMatch(/No signatures found matching/);
    expect(refused(body, stripeSignature(body, 'whsec_someone_else'))).toMatch(
      /No signatures found matching/,
    );
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 360;
    expect(refused(body, stripeSignature(body, WEBHOOK_SECRET, sixMinutesAgo))).toMatch(
      /tolerance/,
    );
    expect(refused(body, '')).toMatch(/No stripe-signature header/);
    expect(refused(body, header.replace('v1=', 'v0='))).toMatch(
      /No signatures found with expected scheme/,
    );
  });

  it('measures the age against its clock and tolerance', () => {
    const body = succeeded();
    const signedAt = 1_700_000_000;
    const at = (seconds: number) =>
      stripeProvider(
        options(STRIPE_MOCK, { now: () => seconds * 1000, webhookToleranceSeconds: 60 }),
      );
    expect(
      at(signedAt + 60).parseWebhook(body, stripeSignature(body, WEBHOOK_SECRET, signedAt)).type,
    ).toBe('payment.succeeded');
    expect(() =>
      at(signedAt + 61).parseWebhook(body, stripeSignature(body, WEBHOOK_SECRET, signedAt)),
    ).toThrow(WebhookVerificationError);
  });

  it('refuses a signed body that is not a payment intent event', () => {
    const notAnIntent = JSON.stringify({
      id: 'evt_x',
      object: 'event',
      type: 'payment_intent.succeeded',
      data: { object: { id: 'ch_1', object: 'charge' } },
    });
    expect(() =>
      stripe.parseWebhook(notAnIntent, stripeSignature(notAnIntent, WEBHOOK_SECRET)),
    ).toThrow(/without a payment intent/);
    const notJson = 'hello';
    expect(() => stripe.parseWebhook(notJson, stripeSignature(notJson, WEBHOOK_SECRET))).toThrow(
      WebhookVerificationError,
    );
  });
});
