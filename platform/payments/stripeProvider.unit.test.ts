import Stripe from 'stripe';
import { PaymentProviderError, WebhookVerificationError } from './port';
import { parseApiBase, stripeSettings } from './settings';
import { providerError, providerEventFromStripe } from './stripeProvider';
import { stripeEventPayload } from './stripeTestEvents';

const event = (input: Parameters<typeof stripeEventPayload>[0]) =>
  JSON.parse(stripeEventPayload(input)) as Stripe.Event;

describe('Stripe events as provider events', () => {
  it('maps a succeeded payment intent with what was collected, upper-case currency and the invoice', () => {
    const e = event({
      type: 'payment_intent.succeeded',
      eventId: 'evt_1',
      paymentIntentId: 'pi_1',
      amount: 1999,
      currency: 'jpy',
      invoiceId: 'inv-1',
    });
    expect(providerEventFromStripe(e)).toEqual({
      type: 'payment.succeeded',
      eventId: 'evt_1',
      paymentIntentId: 'pi_1',
      amount: 1999,
      currency: 'JPY',
      invoiceId: 'inv-1',
    });
  });

  it('reads amount_received, not the requested amount', () => {
    const e = event({
      type: 'payment_intent.succeeded',
      eventId: 'evt_1',
      paymentIntentId: 'pi_1',
      amount: 1000,
      currency: 'eur',
      invoiceId: 'inv-1',
    });
    (e.data.object as Stripe.PaymentIntent).amount_received = 800;
    expect(providerEventFromStripe(e)).toMatchObject({ amount: 800 });
  });

  it('says so when the intent carries no invoice (created elsewhere in the same account)', () => {
    const e = event({
      type: 'payment_intent.succeeded',
      eventId: 'evt_1',
      paymentIntentId: 'pi_1',
      amount: 1,
      currency: 'eur',
    });
    expect(providerEventFromStripe(e)).toMatchObject({
      type: 'payment.succeeded',
      invoiceId: null,
    });
  });

  it('maps a failed payment intent with the best reason it has', () => {
    const e = event({
      type: 'payment_intent.payment_failed',
      eventId: 'evt_2',
      paymentIntentId: 'pi_2',
      amount: 1,
      currency: 'eur',
      invoiceId: 'inv-2',
      failureMessage: 'Declined',
    });
    expect(providerEventFromStripe(e)).toEqual({
      type: 'payment.failed',
      eventId: 'evt_2',
      paymentIntentId: 'pi_2',
      reason: 'Declined',
      invoiceId: 'inv-2',
    });
    const pi = e.data.object as Stripe.PaymentIntent;
    pi.last_payment_error = { type: 'card_error', decline_code: 'insufficient_funds' };
    expect(providerEventFromStripe(e)).toMatchObject({ reason: 'insufficient_funds' });
    pi.last_payment_error = null;
    expect(providerEventFromStripe(e)).toMatchObject({ reason: 'payment failed' });
  });

  it('ignores every other event type', () => {
    for (const type of [
      'payment_intent.created',
      'payment_intent.canceled',
      'charge.refunded',
      'customer.created',
    ]) {
      const e = event({
        type,
        eventId: 'evt_3',
        paymentIntentId: 'pi_3',
        amount: 1,
        currency: 'eur',
      });
      expect(providerEventFromStripe(e)).toEqual({
        type: 'ignored',
        eventId: 'evt_3',
        providerType: type,
      });
    }
  });

  it('refuses bodies that are not events or carry no payment intent', () => {
    expect(() => providerEventFromStripe({} as Stripe.Event)).toThrow(WebhookVerificationError);
    expect(() => providerEventFromStripe(null)).toThrow(WebhookVerificationError);
    const e = event({
      type: 'payment_intent.succeeded',
      eventId: 'evt_4',
      paymentIntentId: 'pi_4',
      amount: 1,
      currency: 'eur',
    });
    (e.data.object as { object: string }).object = 'charge';
    expect(() => providerEventFromStripe(e)).toThrow(/without a payment intent/);
  });
});

describe('Stripe failures as provider errors', () => {
  const { errors } = Stripe;
  it.each<[string, Stripe.errors.StripeError, boolean]>([
    ['a connection failure', new errors.StripeConnectionError({ message: 'socket hang up' }), true],
    [
      'a Stripe outage',
      new errors.StripeAPIError({ message: 'oops', type: 'api_error', statusCode: 500 } as never),
      true,
    ],
    [
      'a rate limit',
      new errors.StripeRateLimitError({ message: 'slow down', statusCode: 429 }),
      true,
    ],
    [
      'a concurrent attempt holding the key',
      new errors.StripeInvalidRequestError({
        message: 'locked',
        code: 'lock_timeout',
        statusCode: 409,
      }),
      true,
    ],
    [
      'an invalid request',
      new errors.StripeInvalidRequestError({
        message: 'bad',
        type: 'invalid_request_error',
        statusCode: 400,
      } as never),
      false,
    ],
    [
      'a key reused with other parameters',
      new errors.StripeIdempotencyError({
        message: 'Keys for idempotent requests can only be used with the same parameters',
        type: 'idempotency_error',
        statusCode: 400,
      } as never),
      false,
    ],
    [
      'refused credentials',
      new errors.StripeAuthenticationError({ message: 'no', statusCode: 401 }),
      false,
    ],
    [
      'missing permissions',
      new errors.StripePermissionError({ message: 'no', statusCode: 403 }),
      false,
    ],
    [
      'a card decline',
      new errors.StripeCardError({
        message: 'declined',
        type: 'card_error',
        statusCode: 402,
      } as never),
      false,
    ],
  ])('%s: retryable %s', (_what, error, retryable) => {
    const mapped = providerError(error);
    expect(mapped).toBeInstanceOf(PaymentProviderError);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.cause).toBe(error);
  });

  it('treats an unknown failure as retryable', () => {
    expect(providerError(new TypeError('fetch failed'))).toMatchObject({
      retryable: true,
      code: 'unknown',
    });
  });
});

describe('Stripe settings', () => {
  it('are off without a key, and need both the key and the webhook secret', () => {
    expect(stripeSettings({})).toBeNull();
    expect(stripeSettings({ secretKey: '', webhookSecret: '', apiBase: '' })).toBeNull();
    expect(() => stripeSettings({ secretKey: 'sk_test_1' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
    expect(() => stripeSettings({ webhookSecret: 'whsec_1' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(stripeSettings({ secretKey: 'sk_live_1', webhookSecret: 'whsec_1' })).toEqual({
      secretKey: 'sk_live_1',
      webhookSecret: 'whsec_1',
      api: null,
    });
  });

  it('point at stripe-mock, but never send a live key over plain http', () => {
    const raw = {
      secretKey: 'sk_test_1',
      webhookSecret: 'whsec_1',
      apiBase: 'http://127.0.0.1:12111',
    };
    expect(stripeSettings(raw)?.api).toEqual({ protocol: 'http', host: '127.0.0.1', port: 12111 });
    expect(() => stripeSettings({ ...raw, secretKey: 'sk_live_1' })).toThrow(/https/);
    expect(
      stripeSettings({ ...raw, secretKey: 'rk_live_1', apiBase: 'https://stripe.internal' })?.api,
    ).toEqual({ protocol: 'https', host: 'stripe.internal', port: 443 });
  });

  it('take a scheme, host and port only', () => {
    expect(parseApiBase('http://[::1]:12111')).toEqual({
      protocol: 'http',
      host: '::1',
      port: 12111,
    });
    expect(parseApiBase('http://localhost/')).toEqual({
      protocol: 'http',
      host: 'localhost',
      port: 80,
    });
    expect(() => parseApiBase('ftp://127.0.0.1:12111')).toThrow(/http or https/);
    expect(() => parseApiBase('not a url')).toThrow(/not a URL/);
    expect(() => parseApiBase('http://127.0.0.1:12111/v1')).toThrow(/scheme, host and port only/);
  });
});
