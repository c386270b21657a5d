import Stripe from 'stripe';
import {
  PaymentProviderError,
  WebhookVerificationError,
  type PaymentIntent,
  type PaymentProvider,
  type ProviderEvent,
  type Refund,
} from './port';
import type { StripeSettings } from './settings';

export interface StripeProviderOptions extends StripeSettings {
  /** Per request; an activity's start-to-close timeout should exceed timeoutMs × (retries + 1). */
  timeoutMs?: number;
  /** Retries inside the client (connection errors, 409/429/5xx), each with the same idempotency key. */
  maxNetworkRetries?: number;
  /** How old a signed webhook may be, in seconds (Stripe's default: 300). */
  webhookToleranceSeconds?: number;
  /** Payment methods offered; unset: the ones enabled in the Stripe dashboard (automatic). */
  paymentMethodTypes?: string[];
  /** The clock webhook ages are measured against, in ms (tests). */
  now?: () => number;
}

/** Stripe's idempotency keys are at most 255 characters. */
const MAX_IDEMPOTENCY_KEY = 255;

/**
 * The payment provider port on Stripe's API through the official client. Amounts are minor units
 * both here and in Stripe; currencies are ISO 4217 codes, upper case on our side (Stripe's are lower
 * case). Every call that moves money carries the caller's idempotency key, so a retried activity
 * finds the intent or refund its first attempt created instead of making another.
 */
export function stripeProvider(
  options: StripeProviderOptions,
): PaymentProvider & { readonly client: Stripe } {
  const { api } = options;
  const client = new Stripe(options.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: 'devpie-client' },
    ...(api ? { protocol: api.protocol, host: api.host, port: api.port } : {}),
  });
  const tolerance = options.webhookToleranceSeconds ?? 300;
  const now = options.now ?? Date.now;

  return {
    name: 'stripe',
    client,

    async createIntent({
      invoiceId,
      amount,
      currency,
      idempotencyKey,
      description,
    }): Promise<PaymentIntent> {
      requireAmount(amount);
      requireCurrency(currency);
      requireKey(idempotencyKey);
      if (!invoiceId) throw invalid('an invoice id is required');
      const params: Stripe.PaymentIntentCreateParams = {
        amount,
        currency: currency.toLowerCase(),
        metadata: { invoiceId },
        ...(options.paymentMethodTypes?.length
          ? { payment_method_types: options.paymentMethodTypes }
          : { automatic_payment_methods: { enabled: true } }),
        ...(description ? { description } : {}),
      };
      const pi = await call(() => client.paymentIntents.create(params, { idempotencyKey }));
      return {
        id: pi.id,
        clientSecret: pi.client_secret,
        amount: pi.amount,
        currency: pi.currency.toUpperCase(),
        status: intentStatus(pi.status),
      };
    },

    async refund({ paymentIntentId, amount, idempotencyKey }): Promise<Refund> {
      requireAmount(amount);
      requireKey(idempotencyKey);
      if (!paymentIntentId) throw invalid('a payment intent id is required');
      const refund = await call(() =>
        client.refunds.create({ payment_intent: paymentIntentId, amount }, { idempotencyKey }),
      );
      return { id: refund.id, amount: refund.amount, status: refundStatus(refund.status) };
    },

    parseWebhook(rawBody, signatureHeader): ProviderEvent {
      let event: Stripe.Event;
      try {
        event = client.webhooks.constructEvent(
          rawBody,
          signatureHeader,
          options.webhookSecret,
          tolerance,
          undefined,
          now(),
        );
      } catch (e) {
        throw new WebhookVerificationError(`Stripe webhook refused: ${firstLine(e)}`, { cause: e });
      }
      return providerEventFromStripe(event);
    },
  };
}

/**
 * What a verified Stripe event means to us: a payment intent's outcome, or nothing we act on. The
 * signature proves who sent the body, not its shape: a signed `null` parses as null.
 */
export function providerEventFromStripe(event: Stripe.Event | null): ProviderEvent {
  if (!event || typeof event.id !== 'string' || typeof event.type !== 'string') {
    throw new WebhookVerificationError('Stripe webhook refused: the body is not an event');
  }
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const pi = paymentIntentOf(event);
      return {
        type: 'payment.succeeded',
        eventId: event.id,
        paymentIntentId: pi.id,
        // What was actually collected; equals `amount` for an automatic capture.
        amount: pi.amount_received || pi.amount,
        currency: pi.currency.toUpperCase(),
        invoiceId: pi.metadata?.invoiceId ?? null,
      };
    }
    case 'payment_intent.payment_failed': {
      const pi = paymentIntentOf(event);
      const err = pi.last_payment_error;
      return {
        type: 'payment.failed',
        eventId: event.id,
        paymentIntentId: pi.id,
        reason: err?.message ?? err?.decline_code ?? err?.code ?? 'payment failed',
        invoiceId: pi.metadata?.invoiceId ?? null,
      };
    }
    default:
      return { type: 'ignored', eventId: event.id, providerType: event.type };
  }
}

/** A payment intent as a webhook body holds it: what we read is checked; metadata may be absent. */
type WebhookIntent = Omit<Stripe.PaymentIntent, 'metadata'> & { metadata?: Stripe.Metadata | null };

function isPaymentIntent(value: unknown): value is WebhookIntent {
  return (
    typeof value === 'object' &&
    value !== null &&
    'object' in value &&
    value.object === 'payment_intent' &&
    'id' in value &&
    typeof value.id === 'string' &&
    'amount' in value &&
    Number.isInteger(value.amount) &&
    'currency' in value &&
    typeof value.currency === 'string'
  );
}

function paymentIntentOf(
  event: Stripe.PaymentIntentSucceededEvent | Stripe.PaymentIntentPaymentFailedEvent,
): WebhookIntent {
  const data: unknown = event.data;
  const pi =
    typeof data === 'object' && data !== null && 'object' in data ? data.object : undefined;
  if (!isPaymentIntent(pi)) {
    throw new WebhookVerificationError(
      `Stripe webhook refused: ${event.type} without a payment intent`,
    );
  }
  return pi;
}

const INTENT_STATUSES: ReadonlySet<string> = new Set<PaymentIntent['status']>([
  'requires_payment_method',
  'requires_action',
  'processing',
  'succeeded',
  'canceled',
  'requires_confirmation',
  'requires_capture',
]);

function intentStatus(status: string): PaymentIntent['status'] {
  // A status newer than this code: neither paid nor failed yet, as far as we can tell.
  return INTENT_STATUSES.has(status) ? (status as PaymentIntent['status']) : 'processing';
}

function refundStatus(status: string | null): Refund['status'] {
  switch (status) {
    case 'succeeded':
    case 'failed':
    case 'canceled':
    case 'requires_action':
    case 'pending':
      return status;
    default:
      return 'pending'; // null or a status newer than this code: not settled yet
  }
}

/** Runs a Stripe call; its failure becomes a PaymentProviderError that says whether to retry. */
async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (e) {
    throw providerError(e);
  }
}

export function providerError(e: unknown): PaymentProviderError {
  if (!(e instanceof Stripe.errors.StripeError)) {
    return new PaymentProviderError(`Stripe call failed: ${firstLine(e)}`, true, 'unknown', {
      cause: e,
    });
  }
  const status = e.statusCode ?? 0;
  const retryable =
    e instanceof Stripe.errors.StripeConnectionError ||
    e instanceof Stripe.errors.StripeAPIError ||
    e instanceof Stripe.errors.StripeRateLimitError ||
    status === 429 ||
    status >= 500 ||
    // Another attempt holds the same idempotency key right now: ours will find its result.
    (status === 409 && e.code === 'lock_timeout');
  const code =
    e.rawType ??
    (e instanceof Stripe.errors.StripeConnectionError ? 'api_connection_error' : e.type);
  const what = e.statusCode
    ? `Stripe answered ${e.statusCode} (${code})`
    : `Stripe call failed (${code})`;
  const detail = e.detail instanceof Error ? ` (${firstLine(e.detail)})` : '';
  return new PaymentProviderError(`${what}: ${firstLine(e)}${detail}`, retryable, code, {
    cause: e,
  });
}

const invalid = (message: string) => new PaymentProviderError(message, false, 'validation');

function requireAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw invalid(`amount must be a positive whole number of minor units, got ${amount}`);
}

function requireCurrency(currency: string): void {
  if (!/^[A-Za-z]{3}$/.test(currency))
    throw invalid(`currency must be an ISO 4217 code, got ${currency}`);
}

function requireKey(key: string): void {
  if (!key || key.length > MAX_IDEMPOTENCY_KEY)
    throw invalid(`an idempotency key of 1 to ${MAX_IDEMPOTENCY_KEY} characters is required`);
}

const firstLine = (e: unknown): string => {
  const [line = ''] = (e instanceof Error ? e.message : String(e)).split('\n');
  return line.trim();
};
